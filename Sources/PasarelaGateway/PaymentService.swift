import Crypto
import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import PasarelaStore

/// A reply to the merchant: HTTP status and exact body bytes (also what an idempotency key replays).
public struct APIReply: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

extension Gateway {
    /// How long an unpaid voucher stays payable when the merchant does not say.
    public static let defaultExpiry: TimeInterval = 24 * 3600

    /// Creates a payment: plan a route, store the payment before any PSP call, try the targets in order, and
    /// store the outcome with the idempotency reply in one transaction.
    ///
    /// - Parameters:
    ///   - request: a validated request.
    ///   - rawBody: the body as received, hashed to tell a replay from a reused key.
    ///   - idempotencyKey: the merchant's `Idempotency-Key`, if sent.
    /// - Throws: ``APIError`` for idempotency conflicts and requests no connection can carry.
    public func createPayment(_ request: PaymentRequest, merchant: Merchant, rawBody: [UInt8],
                              idempotencyKey: String?) async throws -> APIReply {
        let config = self.config
        let started = now()
        let plan = plan(request, merchant: merchant, config: config, draw: Double.random(in: 0..<1))
        if plan.targets.isEmpty {
            let reasons = plan.skipped.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")
            if !plan.skipped.isEmpty, plan.skipped.allSatisfy({ $0.reason.hasPrefix("circuit breaker") }) {
                throw APIError(status: 503, type: "api_error", code: "connections_unavailable",
                               message: "Every connection for this payment is paused after repeated failures (\(reasons)). Retry shortly.")
            }
            throw APIError.invalid("payment_method", "No connection can take \(request.method.type.rawValue) in \(request.country) with \(request.amount.currency.code) (rule \(plan.rule)\(reasons.isEmpty ? "" : "; " + reasons)).",
                                   code: "payment_method_unavailable")
        }
        var payment = Payment(id: Identifier.make("pay"), merchantId: merchant.id, livemode: merchant.livemode,
                              status: .processing, request: request,
                              expiresAt: request.expiresAt ?? started.addingTimeInterval(Self.defaultExpiry),
                              rule: plan.rule, configVersion: plan.configVersion, createdAt: started, updatedAt: started)
        let claim = idempotencyKey.map { IdempotencyClaim(key: $0, requestHash: Hex.encode(SHA256.hash(data: rawBody))) }
        switch try await store.create(payment, idempotency: claim) {
        case .created: break
        case .replay(let reply): return APIReply(status: reply.status, body: reply.body)
        case .inFlight(let id):
            throw APIError.idempotency("idempotency_in_flight", "A request with this Idempotency-Key is still being processed (payment \(id)). Retry shortly.")
        case .mismatch:
            throw APIError.idempotency("idempotency_key_reused", "This Idempotency-Key was used with a different request body.")
        }

        var attempts: [Attempt] = []
        var last: (PSPOutcome, Attempt)?
        for (index, name) in plan.targets.enumerated() {
            guard attempts.count < plan.policy.maxAttempts, let connection = config.connections[name] else { continue }
            if breakers.admit(name, config: connection.config.breaker, now: now()) != nil { continue }
            var attempt = Attempt(id: Identifier.make("att"), paymentId: payment.id, sequence: attempts.count + 1, connection: name,
                                  outcome: .unknown, rule: plan.rule, configVersion: plan.configVersion, startedAt: now())
            // The attempt is on disk before the PSP hears of it: a crash mid-call leaves it `unknown` for reconciliation.
            do {
                try await store.save(payment, attempts: [attempt], reply: nil)
            } catch {
                breakers.release(name)
                throw error
            }
            let timeoutMs = plan.policy.timeoutMs ?? connection.config.requestTimeoutMs
            var result = await run(attempt: attempt, payment: payment, connection: connection, timeoutMs: timeoutMs)
            breakers.record(name, failed: Self.unhealthy(result), config: connection.config.breaker, now: now())
            if result.outcome == .unknown {
                result = await resolve(result, attempt: attempt, payment: payment, connection: connection, timeoutMs: timeoutMs)
            }
            attempt.durationMs = Int(now().timeIntervalSince(attempt.startedAt) * 1000)
            apply(result, to: &attempt)
            attempts.append(attempt)
            last = (result, attempt)
            logger.info("payment attempt", metadata: [
                "payment": .string(payment.id), "attempt": .string(attempt.id), "connection": .string(name),
                "outcome": .string(attempt.outcome.rawValue), "duration_ms": .stringConvertible(attempt.durationMs ?? 0),
                "failure_class": .string(attempt.failureClass?.rawValue ?? "-"), "error_code": .string(attempt.errorCode ?? "-"),
            ])
            let more = index < plan.targets.count - 1 && attempts.count < plan.policy.maxAttempts
            if more, Self.failsOver(result, policy: plan.policy) { continue }
            break
        }
        if let (result, attempt) = last { settle(&payment, with: result, attempt: attempt) } else { payment.status = .failed }
        payment.updatedAt = now()
        let stored = StoredPayment(payment: payment, attempts: attempts)
        let reply = APIReply(status: 201, body: PaymentResource.json(stored).bytes)
        // The payment's first state is announced like every later change, in the same transaction.
        let event = EventResource.make(for: stored, merchant: merchants.merchant(id: merchant.id), at: payment.updatedAt)
        try await store.save(payment, attempts: attempts, reply: claim.map { IdempotencyReply(key: $0.key, status: reply.status, body: reply.body) },
                             event: event)
        outbox.wake()
        return reply
    }

    /// Whether an attempt's outcome lets the payment move on to the next connection. Only outcomes where the PSP
    /// definitely holds no live payment qualify; a hard decline never does.
    static func failsOver(_ result: PSPOutcome, policy: AttemptPolicy) -> Bool {
        switch result.outcome {
        case .failed: return policy.failoverOn.contains(result.failureClass ?? .rejected)
        case .declined: return result.declineClass == .soft && policy.failoverOn.contains(.softDecline)
        case .succeeded, .pending, .unknown: return false
        }
    }

    /// Whether a call shows the PSP unhealthy, for its circuit breaker: unreachable, 5xx, throttling, timeouts, garbage.
    static func unhealthy(_ result: PSPOutcome) -> Bool {
        switch result.outcome {
        case .unknown: return true
        case .failed: return [.connectionError, .http5xx, .rateLimited, .timeout, .invalidResponse].contains(result.failureClass)
        case .succeeded, .pending, .declined: return false
        }
    }

    /// Settles an ambiguous outcome at the same PSP, never elsewhere: look the payment up when the PSP gave its id,
    /// else replay the identical request (same attempt id, so the same order id and idempotency key). The PSP then
    /// either answers as it did the first time, creates the one payment now, or says it exists (still unknown).
    func resolve(_ first: PSPOutcome, attempt: Attempt, payment: Payment, connection: Connection, timeoutMs: Int) async -> PSPOutcome {
        if let pspId = first.pspPaymentId,
           let lookup = connection.adapter.buildLookup(pspPaymentId: pspId, now: now(), context: connection.context),
           case .response(let response) = await executor.execute(lookup, timeoutMs: timeoutMs) {
            let found = connection.adapter.parseLookup(response)
            if found.notFound {
                var gone = PSPOutcome.notCreated(first.failureClass ?? .timeout, code: found.errorCode,
                                                 message: "the PSP has no such payment after: \(first.errorMessage ?? "no answer")")
                gone.pspPaymentId = nil
                return gone
            }
            if found.outcome != .unknown, found.outcome != .failed { return found }
        }
        let replay = await run(attempt: attempt, payment: payment, connection: connection, timeoutMs: timeoutMs)
        switch replay.outcome {
        case .succeeded, .pending, .declined:
            return replay
        case .failed, .unknown:
            var unknown = first
            unknown.errorMessage = "\(first.errorMessage ?? "no answer"); replay: \(replay.errorMessage ?? replay.outcome.rawValue)"
            if unknown.pspPaymentId == nil { unknown.pspPaymentId = replay.pspPaymentId }
            return unknown
        }
    }

    /// One PSP call: build (pure), send, classify (pure).
    func run(attempt: Attempt, payment: Payment, connection: Connection, timeoutMs: Int) async -> PSPOutcome {
        let input = CreateInput(paymentId: payment.id, attemptId: attempt.id, request: payment.request, now: now(),
                                expiresAt: payment.expiresAt ?? now().addingTimeInterval(Self.defaultExpiry))
        var context = connection.context
        switch await tokens.token(for: connection, executor: executor, now: now) {
        case .success(let token): context.token = token
        case .failure(let failure): return failure.outcome
        }
        let outbound: OutboundRequest
        do {
            outbound = try connection.adapter.buildCreate(input, context: context)
        } catch {
            guard case .unsupported(let reason) = error else { return .notCreated(.rejected, code: nil, message: "\(error)") }
            return .notCreated(.rejected, code: "unsupported", message: reason)
        }
        switch await executor.execute(outbound, timeoutMs: timeoutMs) {
        case .response(let response):
            if response.status == 401, context.token != nil { await tokens.invalidate(connection.config.name) }
            return connection.adapter.parseCreate(response, input: input)
        case .notSent(let reason):
            return .notCreated(.connectionError, code: nil, message: "could not reach \(connection.config.name): \(reason)")
        case .noAnswer(let reason):
            var outcome = PSPOutcome.ambiguous(code: nil, message: "no complete answer from \(connection.config.name): \(reason)")
            outcome.failureClass = reason.contains("eadline") || reason.contains("imeout") ? .timeout : .connectionError
            return outcome
        }
    }

    func apply(_ result: PSPOutcome, to attempt: inout Attempt) {
        attempt.outcome = result.outcome
        attempt.pspPaymentId = result.pspPaymentId
        attempt.pspStatus = result.pspStatus
        attempt.declineClass = result.declineClass
        attempt.failureClass = result.failureClass
        attempt.errorCode = result.errorCode
        attempt.errorMessage = result.errorMessage.map { String($0.prefix(500)) }
    }

    /// The payment's status after its last attempt.
    func settle(_ payment: inout Payment, with result: PSPOutcome, attempt: Attempt) {
        payment.nextAction = nil
        switch result.outcome {
        case .failed:
            payment.status = .failed
        case .declined:
            payment.status = .failed
            payment.connection = attempt.connection
            payment.pspPaymentId = result.pspPaymentId
        case .unknown:
            // Never move on after an ambiguous outcome: the PSP may hold a live payment.
            payment.status = .processing
            payment.connection = attempt.connection
            payment.pspPaymentId = result.pspPaymentId
        case .succeeded, .pending:
            payment.status = result.status ?? .processing
            payment.connection = attempt.connection
            payment.pspPaymentId = result.pspPaymentId
            payment.nextAction = result.nextAction
            if let expiry = result.expiresAt { payment.expiresAt = expiry }
        }
    }

    /// A merchant's payment as JSON, or 404.
    public func payment(id: String, merchant: Merchant) async throws -> APIReply {
        guard let stored = try await store.payment(id: id, merchantId: merchant.id) else {
            throw APIError.missing("payment", id: id)
        }
        return APIReply(status: 200, body: PaymentResource.json(stored).bytes)
    }

    /// A merchant's payments, newest first.
    public func payments(orderId: String?, status: PaymentStatus?, startingAfter: String?, limit: Int,
                         merchant: Merchant) async throws -> APIReply {
        if let startingAfter, try await store.payment(id: startingAfter, merchantId: merchant.id) == nil {
            throw APIError.missing("payment", id: startingAfter, param: "starting_after")
        }
        let rows = try await store.payments(merchantId: merchant.id, orderId: orderId, status: status, startingAfter: startingAfter,
                                            limit: limit + 1)
        return APIReply(status: 200, body: PaymentResource.list(Array(rows.prefix(limit)), hasMore: rows.count > limit).bytes)
    }
}

extension Gateway {
    /// `POST /v1/routing/explain`: the plan the live path would make now, without calling any PSP.
    public func explain(_ request: PaymentRequest, merchant: Merchant) -> APIReply {
        APIReply(status: 200, body: PlanResource.json(plan(request, merchant: merchant, config: config, draw: 0)).bytes)
    }

    /// `GET /v1/connections`: health and breaker state of every connection, and its webhooks' fate.
    public func connections() async throws -> APIReply {
        let live = config
        var rows: [(Connection, CircuitBreakers.Snapshot, [String: Int])] = []
        for connection in live.connections.values.sorted(by: { $0.config.name < $1.config.name }) {
            var counts = try await store.webhookCounts(connection: connection.config.name)
            counts["refused"] = refusedWebhooks(connection.config.name)
            rows.append((connection, breakers.snapshot(connection.config.name, config: connection.config.breaker, now: now()), counts))
        }
        return APIReply(status: 200, body: ConnectionResource.json(rows).bytes)
    }

    /// `GET /v1/events?since=evt_…` or `GET /v1/payments/{id}/events`: a merchant's events, oldest first.
    public func events(merchant: Merchant, paymentId: String?, since: String?, limit: Int) async throws -> APIReply {
        if let paymentId, try await store.payment(id: paymentId, merchantId: merchant.id) == nil {
            throw APIError.missing("payment", id: paymentId)
        }
        if let since, try await store.event(id: since, merchantId: merchant.id) == nil {
            throw APIError.missing("event", id: since, param: "since")
        }
        let rows = try await store.events(merchantId: merchant.id, paymentId: paymentId, after: since, limit: limit + 1)
        return APIReply(status: 200, body: EventResource.list(Array(rows.prefix(limit)), hasMore: rows.count > limit))
    }

    /// `GET /v1/events/{id}`: one event with its delivery record.
    public func event(id: String, merchant: Merchant) async throws -> APIReply {
        guard let (event, state) = try await store.event(id: id, merchantId: merchant.id) else { throw APIError.missing("event", id: id) }
        return APIReply(status: 200, body: EventResource.detail(event, state))
    }

    /// `POST /v1/events/{id}/redeliver`: sends the notification again now.
    public func redeliver(id: String, merchant: Merchant) async throws -> APIReply {
        guard try await store.event(id: id, merchantId: merchant.id) != nil else { throw APIError.missing("event", id: id) }
        guard try await store.redeliver(eventId: id, merchantId: merchant.id, now: now()) else {
            throw APIError.invalid("id", "This event has no notification URL: set notification_url on the payment or a merchant default.",
                                   code: "notification_url_missing")
        }
        outbox.wake()
        return try await event(id: id, merchant: merchant)
    }
}
