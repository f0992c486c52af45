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

/// What sending one request to a PSP gave.
enum Sent: Sendable {
    case response(InboundMessage)
    /// No usable answer; the outcome says whether the PSP can have acted (`unknown`) or not (`failed`).
    case failed(PSPOutcome)
}

/// The payment (and attempt) a PSP call is about, so its transcript is kept with them.
struct CallSubject: Sendable {
    var paymentId: String
    var attemptId: String?
}

extension Gateway {
    /// Sends what `build` makes for the connection, with its access token when the PSP issues them. A refused token is
    /// forgotten so the next call gets a new one. Every call is held under the connection's `limits.max_in_flight`,
    /// counted in metrics by flow and outcome, checked for answers that mean the connection is set up wrong (an alert),
    /// and, when it is about a payment, kept as a redacted transcript with it.
    func send(_ connection: Connection, flow: PSPFlow, about subject: CallSubject? = nil, timeoutMs: Int,
              build: (AdapterContext) throws(AdapterError) -> OutboundRequest) async -> Sent {
        let (sent, call) = await sendKeepingTranscript(connection, flow: flow, about: subject, timeoutMs: timeoutMs, build: build)
        await keep(call)
        return sent
    }

    /// Stores a call's transcript on its own. A transcript that cannot be kept never fails its payment.
    func keep(_ call: RecordedCall?) async {
        guard let call else { return }
        do { try await store.recordCall(call) } catch {
            logger.warning("psp call transcript not kept", metadata: ["payment": .string(call.paymentId), "error": .string("\(type(of: error))")])
        }
    }

    /// ``send(_:flow:about:timeoutMs:build:)``, handing the call's transcript back (when it is about a payment) to be kept
    /// with the decision the answer makes, in the same transaction.
    func sendKeepingTranscript(_ connection: Connection, flow: PSPFlow, about subject: CallSubject?, timeoutMs: Int,
                               build: (AdapterContext) throws(AdapterError) -> OutboundRequest) async -> (Sent, RecordedCall?) {
        let name = connection.config.name
        guard inFlight.acquire(name, limit: connection.config.maxInFlight) else {
            GatewayMetrics.pspCall(connection: name, flow: flow, outcome: "over_capacity", seconds: 0)
            return (.failed(.notCreated(.rateLimited, code: "max_in_flight",
                                       message: "\(name) has \(connection.config.maxInFlight) calls in flight from this instance (limits.max_in_flight)")), nil)
        }
        defer { inFlight.release(name) }
        var context = connection.context
        switch await tokens.token(for: connection, executor: executor, now: now) {
        case .success(let token): context.token = token
        case .failure(let failure): return (.failed(failure.outcome), nil)
        }
        let outbound: OutboundRequest
        do {
            outbound = try build(context)
        } catch {
            switch error {
            case .unsupported(let reason): return (.failed(.notCreated(.rejected, code: "unsupported", message: reason)), nil)
            case .authentication(let reason): return (.failed(.notCreated(.rejected, code: nil, message: reason)), nil)
            }
        }
        let startedAt = now(), clock = ContinuousClock.now
        let result = await executor.execute(outbound, timeoutMs: timeoutMs, connectTimeoutMs: connection.config.connectTimeoutMs)
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sent: Sent
        var error: String?
        switch result {
        case .response(let response):
            if response.status == 401, let token = context.token { await tokens.invalidate(name, token: token) }
            GatewayMetrics.pspCall(connection: name, flow: flow, outcome: "http_\(response.status / 100)xx", seconds: seconds)
            if let problem = connection.adapter.misconfiguration(response) {
                alerts.raise(problem, connection: name, at: startedAt, logger: logger)
            } else if (200..<300).contains(response.status) || response.status == 404 {
                // The PSP took the credentials and the address: what those alerts said no longer holds.
                alerts.clear(name, kinds: ["credentials", "ip_not_registered", "api_not_enabled", "api_version"])
            }
            sent = .response(response)
        case .notSent(let reason):
            error = reason
            GatewayMetrics.pspCall(connection: name, flow: flow, outcome: FailureClass.connectionError.rawValue, seconds: seconds)
            sent = .failed(.notCreated(.connectionError, code: nil, message: "could not reach \(name): \(reason)"))
        case .noAnswer(let kind, let reason):
            error = reason
            GatewayMetrics.pspCall(connection: name, flow: flow, outcome: kind.failureClass.rawValue, seconds: seconds)
            sent = .failed(.ambiguous(code: nil, message: "no complete answer from \(name): \(reason)", failure: kind.failureClass))
        }
        guard let subject else { return (sent, nil) }
        let transcript = CallTranscript(flow: flow, connection: name, request: outbound, result: result, error: error, startedAt: startedAt,
                                        durationMs: Int(seconds * 1000), redactor: connection.redactor(token: context.token))
        return (sent, RecordedCall(paymentId: subject.paymentId, attemptId: subject.attemptId, connection: name, flow: flow.rawValue,
                                   at: startedAt, transcript: transcript.bytes))
    }

    /// The create request of an attempt: build (pure), send, classify (pure). Sent again unchanged, it is the identical
    /// replay: same reference, same idempotency key, so the PSP answers for the one payment.
    func run(attempt: Attempt, payment: Payment, connection: Connection, timeoutMs: Int) async -> PSPOutcome {
        let (outcome, call) = await runKeepingTranscript(attempt: attempt, payment: payment, connection: connection, timeoutMs: timeoutMs)
        await keep(call)
        return outcome
    }

    /// ``run(attempt:payment:connection:timeoutMs:)``, handing the transcript back to be kept with the answer's decision.
    func runKeepingTranscript(attempt: Attempt, payment: Payment, connection: Connection, timeoutMs: Int) async -> (PSPOutcome, RecordedCall?) {
        let input = CreateInput(paymentId: payment.id, attemptId: attempt.id, request: payment.request, now: now(),
                                expiresAt: payment.expiresAt ?? now().addingTimeInterval(Self.defaultExpiry))
        let (sent, call) = await sendKeepingTranscript(connection, flow: .create, about: CallSubject(paymentId: payment.id, attemptId: attempt.id),
                                                       timeoutMs: timeoutMs, build: { context throws(AdapterError) in
            try connection.adapter.buildCreate(input, context: context)
        })
        switch sent {
        case .response(let response): return (connection.adapter.parseCreate(response, input: input), call)
        case .failed(let outcome): return (outcome, call)
        }
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
        switch await send(connection, flow: .lookup, about: subject, timeoutMs: timeoutMs, build: { context throws(AdapterError) in
            try flow.buildLookup(key, now: at, context: context)
        }) {
        case .response(let response):
            let answer = flow.parseLookup(response, key: key)
            guard case .failed = answer else { return (answer, false) }
            return (answer, response.status >= 500 || (200..<300).contains(response.status))
        case .failed(let outcome):
            return (.failed(outcome), false)
        }
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
        let replay = await run(attempt: attempt, payment: payment, connection: connection, timeoutMs: timeoutMs)
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
    func cancelAtPSP(_ attempt: Attempt, pspPaymentId: String, connection: Connection) async -> CancelAnswer {
        guard let flow = connection.adapter.cancel else { return .refused(code: nil, message: "\(connection.config.name) cannot cancel") }
        let at = now()
        let target = CancelTarget(pspPaymentId: pspPaymentId, attemptId: attempt.id)
        switch await send(connection, flow: .cancel, about: CallSubject(paymentId: attempt.paymentId, attemptId: attempt.id),
                          timeoutMs: connection.config.requestTimeoutMs, build: { context throws(AdapterError) in
            try flow.buildCancel(target, now: at, context: context)
        }) {
        case .response(let response): return flow.parseCancel(response)
        case .failed(let outcome): return .failed(code: outcome.errorCode, message: outcome.errorMessage ?? outcome.outcome.rawValue)
        }
    }
}
