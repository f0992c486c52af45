import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// What asking a PSP about an attempt gave, and how it was asked.
struct Inquiry: Sendable {
    enum How: String, Sendable {
        case lookup
        case lookupByReference = "lookup by reference"
        case replay
        case replayThenLookup = "replay refused as a repeat, then lookup by reference"
        case none = "not asked"
    }

    var answer: LookupAnswer
    var how: How
    /// The create was replayed at a PSP that may make a second payment under the reference: if it did not refuse the
    /// replay, it holds a second payment, to be found and canceled.
    var duplicatesPossible = false
    /// The PSP cannot say whether it holds the payment (no lookup by reference, no replay answered with the payment):
    /// the payment goes to an operator.
    var unresolvable = false

    /// Whether the PSP may hold a second payment under the reference, to be found and canceled.
    var checksDuplicates: Bool {
        switch answer {
        case .found(let outcomes): duplicatesPossible || outcomes.count > 1
        case .notFound: false
        case .failed, .identified: duplicatesPossible
        }
    }

    /// What the payment owes after this inquiry, when the PSP did not settle it.
    func owed(connection: String, attempt: String) -> ReviewReason? {
        unresolvable ? .outcomeUnknowable(connection: connection, reference: attempt) : nil
    }
}

extension PSPClient {
    /// The create request of an attempt: build (pure), send, classify (pure). Sent again unchanged, it is the identical
    /// replay: same reference, same idempotency key, so the PSP answers for the one payment.
    func create(_ attempt: Attempt, of payment: Payment, on connection: Connection, timeoutMs: Int) async -> PSPOutcome {
        let (outcome, call) = await createKeepingTranscript(attempt, of: payment, on: connection, timeoutMs: timeoutMs)
        await keep(call)
        return outcome
    }

    /// ``create(_:of:on:timeoutMs:)``, handing the transcript back to be kept with the answer's decision.
    func createKeepingTranscript(_ attempt: Attempt, of payment: Payment, on connection: Connection, timeoutMs: Int) async -> (PSPOutcome, RecordedCall?) {
        let input = CreateInput(paymentId: payment.id, attemptId: attempt.id, request: payment.request, now: now(),
                                expiresAt: payment.expiresAt ?? now().addingTimeInterval(Payment.defaultExpiry))
        let adapter = connection.adapter
        return await callKeepingTranscript(PSPCall(flow: .create, build: { context throws(AdapterError) in try adapter.buildCreate(input, context: context) },
                                                   read: { adapter.parseCreate($0, input: input) }, failed: { $0 }),
                                           on: connection, about: CallSubject(paymentId: payment.id, attemptId: attempt.id), timeoutMs: timeoutMs)
    }

    /// Asks the PSP for its payments under `key`. A PSP that names the payment it holds under a reference (dLocal's
    /// order) is asked next for that payment by its id, so callers get the payment's state, never just its name.
    func lookup(_ key: LookupKey, connection: Connection, timeoutMs: Int, about subject: CallSubject? = nil) async -> LookupAnswer {
        guard let flow = connection.adapter.lookup else { return .failed(.ambiguous(code: nil, message: "no lookup flow")) }
        var (answer, again) = await ask(flow, key, connection: connection, timeoutMs: timeoutMs, about: subject)
        // A PSP that answered at once but said nothing usable (a 5xx, an unreadable body) is asked once more: a lookup
        // changes nothing, and a struggling PSP's next answer is often fine. One that did not answer is not (it was slow).
        if again { answer = await ask(flow, key, connection: connection, timeoutMs: timeoutMs, about: subject).0 }
        guard case .reference = key, case .identified(let pspId) = answer else { return answer }
        switch await lookup(.pspPaymentId(pspId), connection: connection, timeoutMs: timeoutMs, about: subject) {
        case .found(let outcomes): return .found(outcomes)
        case .notFound, .identified:
            return .failed(.ambiguous(code: nil, message: "the PSP names payment \(pspId) under the reference but does not find it by its id"))
        case .failed(var outcome):
            // The PSP holds it under this id: kept, so the next look asks by the id.
            if outcome.pspPaymentId == nil { outcome.pspPaymentId = pspId }
            return .failed(outcome)
        }
    }

    /// One lookup call, and whether its answer is worth asking again at once: the PSP answered, with a 5xx or with a
    /// 2xx that could not be read.
    func ask(_ flow: any LookupFlow, _ key: LookupKey, connection: Connection, timeoutMs: Int,
             about subject: CallSubject?) async -> (LookupAnswer, Bool) {
        let at = now()
        return await call(PSPCall(flow: .lookup, build: { context throws(AdapterError) in try flow.buildLookup(key, now: at, context: context) },
                                  read: { response in
                                      let answer = flow.parseLookup(response, key: key)
                                      guard case .failed = answer else { return (answer, false) }
                                      return (answer, response.status >= 500 || (200..<300).contains(response.status))
                                  },
                                  failed: { (.failed($0), false) }),
                          on: connection, about: subject, timeoutMs: timeoutMs)
    }

    /// What the PSP says about an attempt whose create answer was lost, the way its adapter declares
    /// (``CreateRecovery``): a lookup by the PSP's id when Pasarela learnt it; else a lookup by our reference; else, or
    /// when that finds nothing, the same create sent again where that is safe (and a payment the PSP refuses to make
    /// twice looked up by reference). Nothing is sent again blind: a PSP that did not answer the lookup is asked later.
    func inquire(_ attempt: Attempt, payment: Payment, connection: Connection, timeoutMs: Int) async -> Inquiry {
        let recovery = connection.adapter.recovery
        let subject = CallSubject(paymentId: payment.id, attemptId: attempt.id)
        if let pspId = attempt.pspPaymentId, connection.adapter.lookup != nil {
            return Inquiry(answer: await lookup(.pspPaymentId(pspId), connection: connection, timeoutMs: timeoutMs, about: subject), how: .lookup)
        }
        if recovery.findsByReference {
            let found = await lookup(.reference(attempt.id), connection: connection, timeoutMs: timeoutMs, about: subject)
            switch found {
            case .found, .identified: return Inquiry(answer: found, how: .lookupByReference)
            case .failed where recovery.replay != .answersOriginal: return Inquiry(answer: found, how: .lookupByReference)
            case .notFound where !recovery.mayReplay: return Inquiry(answer: found, how: .lookupByReference)
            case .failed, .notFound: break
            }
        } else if let reason = recovery.unresolvable, !recovery.mayReplay {
            return Inquiry(answer: .failed(.ambiguous(code: nil, message: "\(connection.config.name) cannot be asked: \(reason)")),
                           how: .none, unresolvable: true)
        }
        let replay = await create(attempt, of: payment, on: connection, timeoutMs: timeoutMs)
        guard replay.alreadyHeld else {
            return Inquiry(answer: .single(replay), how: .replay, duplicatesPossible: recovery.replay == .mayCreateAnother)
        }
        // Refused as a repeat: the PSP holds the payment. Find it by reference, or leave it to a person.
        guard recovery.findsByReference else { return Inquiry(answer: .single(replay), how: .replay, unresolvable: true) }
        return Inquiry(answer: await lookup(.reference(attempt.id), connection: connection, timeoutMs: timeoutMs, about: subject),
                       how: .replayThenLookup)
    }

    /// Settles an ambiguous create at the same PSP, never elsewhere. The PSP then either answers for the one payment,
    /// creates it now (the first never arrived), says it has none (the attempt may fail over), or leaves it unknown.
    /// - Returns: the settled outcome, and what is owed: a duplicate check, or a person's look when the PSP cannot be asked.
    func resolve(_ first: PSPOutcome, attempt: Attempt, payment: Payment, connection: Connection,
                 timeoutMs: Int) async -> (PSPOutcome, Inquiry) {
        var asked = attempt
        if asked.pspPaymentId == nil { asked.pspPaymentId = first.pspPaymentId }
        let inquiry = await inquire(asked, payment: payment, connection: connection, timeoutMs: timeoutMs)
        switch inquiry.answer {
        case .found(let outcomes):
            // Several payments under one reference: keep the first, the duplicate check cancels the rest.
            return (outcomes[0], inquiry)
        case .notFound:
            var gone = PSPOutcome.notCreated(first.failureClass ?? .timeout, code: nil,
                                             message: "the PSP has no such payment after: \(first.errorMessage ?? "no answer")")
            gone.pspPaymentId = nil
            return (gone, inquiry)
        case .failed(let later):
            var unknown = first
            unknown.errorMessage = "\(first.errorMessage ?? "no answer"); \(inquiry.how.rawValue): \(later.errorMessage ?? later.outcome.rawValue)"
            if unknown.pspPaymentId == nil { unknown.pspPaymentId = later.pspPaymentId }
            return (unknown, inquiry)
        case .identified(let pspId):
            var unknown = first
            unknown.pspPaymentId = unknown.pspPaymentId ?? pspId
            return (unknown, inquiry)
        }
    }

    /// Cancels a payment at its PSP.
    func cancel(_ attempt: Attempt, pspPaymentId: String, connection: Connection) async -> CancelAnswer {
        guard let flow = connection.adapter.cancel else { return .refused(code: nil, message: "\(connection.config.name) cannot cancel") }
        let at = now()
        let target = CancelTarget(pspPaymentId: pspPaymentId, attemptId: attempt.id)
        return await call(PSPCall(flow: .cancel, build: { context throws(AdapterError) in try flow.buildCancel(target, now: at, context: context) },
                                  read: flow.parseCancel,
                                  failed: { .failed(code: $0.errorCode, message: $0.errorMessage ?? $0.outcome.rawValue) }),
                          on: connection, about: CallSubject(paymentId: attempt.paymentId, attemptId: attempt.id))
    }
}
