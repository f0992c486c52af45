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
        let plan = plan(request, config: config)
        let started = now()
        if plan.targets.isEmpty {
            let reasons = plan.skipped.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")
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
        for (index, name) in plan.targets.enumerated() {
            guard let connection = config.connections[name] else { continue }
            var attempt = Attempt(id: Identifier.make("att"), paymentId: payment.id, sequence: index + 1, connection: name,
                                  outcome: .unknown, rule: plan.rule, configVersion: plan.configVersion, startedAt: now())
            // The attempt is on disk before the PSP hears of it: a crash mid-call leaves it `unknown` for reconciliation.
            try await store.save(payment, attempts: [attempt], reply: nil)
            let result = await run(attempt: attempt, payment: payment, connection: connection)
            attempt.durationMs = Int(now().timeIntervalSince(attempt.startedAt) * 1000)
            apply(result, to: &attempt)
            attempts.append(attempt)
            logger.info("payment attempt", metadata: [
                "payment": .string(payment.id), "attempt": .string(attempt.id), "connection": .string(name),
                "outcome": .string(attempt.outcome.rawValue), "duration_ms": .stringConvertible(attempt.durationMs ?? 0),
                "error_code": .string(attempt.errorCode ?? "-"),
            ])
            if attempt.outcome == .failed, index < plan.targets.count - 1 { continue }   // not created: next target
            settle(&payment, with: result, attempt: attempt)
            break
        }
        payment.updatedAt = now()
        let stored = StoredPayment(payment: payment, attempts: attempts)
        let reply = APIReply(status: 201, body: PaymentResource.json(stored).bytes)
        try await store.save(payment, attempts: attempts, reply: claim.map { IdempotencyReply(key: $0.key, status: reply.status, body: reply.body) })
        return reply
    }

    /// One PSP call: build (pure), send, classify (pure).
    func run(attempt: Attempt, payment: Payment, connection: Connection) async -> PSPOutcome {
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
        switch await executor.execute(outbound, timeoutMs: connection.config.requestTimeoutMs) {
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
    public func payments(orderId: String?, limit: Int, merchant: Merchant) async throws -> APIReply {
        let rows = try await store.payments(merchantId: merchant.id, orderId: orderId, limit: limit + 1)
        return APIReply(status: 200, body: PaymentResource.list(Array(rows.prefix(limit)), hasMore: rows.count > limit).bytes)
    }
}
