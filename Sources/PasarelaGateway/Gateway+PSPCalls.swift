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
    }

    var answer: LookupAnswer
    var how: How
    /// The create was replayed at a PSP that lists payments by reference: if it did not refuse the replay as a
    /// duplicate, it holds a second payment under the reference, to be found and canceled.
    var duplicatesPossible = false
}

/// What sending one request to a PSP gave.
enum Sent: Sendable {
    case response(InboundMessage)
    /// No usable answer; the outcome says whether the PSP can have acted (`unknown`) or not (`failed`).
    case failed(PSPOutcome)
}

extension Gateway {
    /// Sends what `build` makes for the connection, with its access token when the PSP issues them. A refused token is
    /// forgotten so the next call gets a new one.
    func send(_ connection: Connection, timeoutMs: Int,
              build: (AdapterContext) throws(AdapterError) -> OutboundRequest) async -> Sent {
        var context = connection.context
        switch await tokens.token(for: connection, executor: executor, now: now) {
        case .success(let token): context.token = token
        case .failure(let failure): return .failed(failure.outcome)
        }
        let outbound: OutboundRequest
        do {
            outbound = try build(context)
        } catch {
            switch error {
            case .unsupported(let reason): return .failed(.notCreated(.rejected, code: "unsupported", message: reason))
            case .authentication(let reason): return .failed(.notCreated(.rejected, code: nil, message: reason))
            }
        }
        switch await executor.execute(outbound, timeoutMs: timeoutMs, connectTimeoutMs: connection.config.connectTimeoutMs) {
        case .response(let response):
            if response.status == 401, let token = context.token { await tokens.invalidate(connection.config.name, token: token) }
            return .response(response)
        case .notSent(let reason):
            return .failed(.notCreated(.connectionError, code: nil, message: "could not reach \(connection.config.name): \(reason)"))
        case .noAnswer(let kind, let reason):
            return .failed(.ambiguous(code: nil, message: "no complete answer from \(connection.config.name): \(reason)",
                                      failure: kind.failureClass))
        }
    }

    /// The create request of an attempt: build (pure), send, classify (pure). Sent again unchanged, it is the identical
    /// replay: same reference, same idempotency key, so the PSP answers for the one payment.
    func run(attempt: Attempt, payment: Payment, connection: Connection, timeoutMs: Int) async -> PSPOutcome {
        let input = CreateInput(paymentId: payment.id, attemptId: attempt.id, request: payment.request, now: now(),
                                expiresAt: payment.expiresAt ?? now().addingTimeInterval(Self.defaultExpiry))
        switch await send(connection, timeoutMs: timeoutMs, build: { context throws(AdapterError) in
            try connection.adapter.buildCreate(input, context: context)
        }) {
        case .response(let response): return connection.adapter.parseCreate(response, input: input)
        case .failed(let outcome): return outcome
        }
    }

    /// Asks the PSP for its payments under `key`.
    func lookup(_ key: LookupKey, connection: Connection, timeoutMs: Int) async -> LookupAnswer {
        guard let flow = connection.adapter.lookup else { return .failed(.ambiguous(code: nil, message: "no lookup flow")) }
        let at = now()
        switch await send(connection, timeoutMs: timeoutMs, build: { context throws(AdapterError) in
            try flow.buildLookup(key, now: at, context: context)
        }) {
        case .response(let response): return flow.parseLookup(response, key: key)
        case .failed(let outcome): return .failed(outcome)
        }
    }

    /// What the PSP says about an attempt whose outcome is not known: a lookup by its id when Pasarela learnt it, else a
    /// lookup by reference where the PSP offers one, else the identical replay.
    func inquire(_ attempt: Attempt, payment: Payment, connection: Connection, timeoutMs: Int) async -> Inquiry {
        let flow = connection.adapter.lookup
        if let pspId = attempt.pspPaymentId, flow != nil {
            return Inquiry(answer: await lookup(.pspPaymentId(pspId), connection: connection, timeoutMs: timeoutMs), how: .lookup)
        }
        if flow?.findsByReference == true {
            let found = await lookup(.reference(attempt.id), connection: connection, timeoutMs: timeoutMs)
            if case .found = found { return Inquiry(answer: found, how: .lookupByReference) }
        }
        let replay = await run(attempt: attempt, payment: payment, connection: connection, timeoutMs: timeoutMs)
        return Inquiry(answer: .single(replay), how: .replay, duplicatesPossible: flow?.findsByReference == true)
    }

    /// Settles an ambiguous create at the same PSP, never elsewhere. The PSP then either answers for the one payment,
    /// creates it now (the first never arrived), says it has none (the attempt may fail over), or leaves it unknown.
    /// - Returns: the settled outcome, and whether a duplicate check is owed (see ``inquire(_:payment:connection:timeoutMs:)``).
    func resolve(_ first: PSPOutcome, attempt: Attempt, payment: Payment, connection: Connection,
                 timeoutMs: Int) async -> (PSPOutcome, Bool) {
        var asked = attempt
        if asked.pspPaymentId == nil { asked.pspPaymentId = first.pspPaymentId }
        let inquiry = await inquire(asked, payment: payment, connection: connection, timeoutMs: timeoutMs)
        switch inquiry.answer {
        case .found(let outcomes):
            // Several payments under one reference: keep the first, the duplicate check cancels the rest.
            return (outcomes[0], inquiry.duplicatesPossible || outcomes.count > 1)
        case .notFound:
            var gone = PSPOutcome.notCreated(first.failureClass ?? .timeout, code: nil,
                                             message: "the PSP has no such payment after: \(first.errorMessage ?? "no answer")")
            gone.pspPaymentId = nil
            return (gone, false)
        case .failed(let later):
            var unknown = first
            unknown.errorMessage = "\(first.errorMessage ?? "no answer"); \(inquiry.how.rawValue): \(later.errorMessage ?? later.outcome.rawValue)"
            if unknown.pspPaymentId == nil { unknown.pspPaymentId = later.pspPaymentId }
            return (unknown, inquiry.duplicatesPossible)
        }
    }

    /// Cancels a payment at its PSP.
    func cancelAtPSP(_ attempt: Attempt, pspPaymentId: String, connection: Connection) async -> CancelAnswer {
        guard let flow = connection.adapter.cancel else { return .refused(code: nil, message: "\(connection.config.name) cannot cancel") }
        let at = now()
        let target = CancelTarget(pspPaymentId: pspPaymentId, attemptId: attempt.id)
        switch await send(connection, timeoutMs: connection.config.requestTimeoutMs, build: { context throws(AdapterError) in
            try flow.buildCancel(target, now: at, context: context)
        }) {
        case .response(let response): return flow.parseCancel(response)
        case .failed(let outcome): return .failed(code: outcome.errorCode, message: outcome.errorMessage ?? outcome.outcome.rawValue)
        }
    }
}
