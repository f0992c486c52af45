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
    /// Creates a payment: plan a route, store the payment before any PSP call, try the targets in order, and state each
    /// step as a fact for ``PaymentMachine``: an attempt joins the payment (on disk before its PSP hears of it), its
    /// answer is recorded before the next attempt starts, and the last answer settles the payment together with the
    /// idempotency reply. A webhook that arrives meanwhile is a fact like any other: nothing here overwrites it.
    ///
    /// - Parameters:
    ///   - request: a validated request.
    ///   - rawBody: the body as received, hashed to tell a replay from a reused key.
    ///   - idempotencyKey: the merchant's `Idempotency-Key`, if sent.
    /// - Throws: ``APIError`` for idempotency conflicts and requests no connection can carry.
    public func createPayment(_ request: PaymentRequest, merchant: Merchant, rawBody: [UInt8],
                              idempotencyKey: String?) async throws -> APIReply {
        let config = self.config
        if let url = request.notificationURL, let reason = await outbound.refusal(url) {
            throw APIError.invalid("notification_url", "notification_url is not allowed: \(reason).", code: "url_not_allowed")
        }
        let started = now()
        let plan = plan(request, merchant: merchant, config: config, draw: Double.random(in: 0..<1))
        if plan.targets.isEmpty {
            let reasons = plan.skipped.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")
            if !plan.skipped.isEmpty, plan.skipped.allSatisfy({ $0.kind == .breaker }) {
                throw APIError(status: 503, type: "api_error", code: "connections_unavailable",
                               message: "Every connection for this payment is paused after repeated failures (\(reasons)). Retry shortly.")
            }
            throw APIError.invalid("payment_method", "No connection can take \(request.method.type.rawValue) in \(request.country) with \(request.amount.currency.code) (rule \(plan.rule)\(reasons.isEmpty ? "" : "; " + reasons)).",
                                   code: "payment_method_unavailable")
        }
        // The request holds the payment and its key for a short lease, renewed while it runs (``keepingLease``).
        let lease = started.addingTimeInterval(requestLease.duration)
        let payment = Payment(id: Identifier.make("pay"), merchantId: merchant.id, livemode: merchant.livemode,
                              status: .processing, request: request,
                              expiresAt: request.expiresAt ?? started.addingTimeInterval(Payment.defaultExpiry),
                              rule: plan.rule, configVersion: plan.configVersion, createdAt: started, updatedAt: started,
                              leaseUntil: lease, nextLookAt: lease)
        let claim = idempotencyKey.map { IdempotencyClaim(key: $0, requestHash: Hex.encode(SHA256.hash(data: rawBody)), leaseUntil: lease) }
        // The first target that may be called now: its attempt is written with the payment, in one transaction, and is
        // on disk before the PSP hears of it (a crash mid-call leaves it `unknown` for the reconciler).
        var first = plan.targets.count
        var opening: (connection: Connection, attempt: Attempt)?
        if plan.policy.maxAttempts > 0 {
            for (index, name) in plan.targets.enumerated() {
                if let admitted = admit(name, sequence: 1, paymentId: payment.id, plan: plan, config: config) {
                    (first, opening) = (index, admitted)
                    break
                }
            }
        }
        var stored = StoredPayment(payment: payment, attempts: [])
        if let opening { stored = decide(.attemptStarted(opening.attempt), on: stored, at: started, options: WriteOptions()).1 }
        let created: CreateResult
        do {
            created = try await store.create(stored.payment, attempts: stored.attempts, idempotency: claim)
        } catch {
            if let opening { breakers.release(opening.connection.config.name) }
            throw error
        }
        if created != .created, let opening { breakers.release(opening.connection.config.name) }
        switch created {
        case .created: break
        case .replay(let reply): return APIReply(status: reply.status, body: reply.body)
        case .inFlight(let id):
            throw APIError.idempotency("idempotency_in_flight", "A request with this Idempotency-Key is still being processed (payment \(id)). Retry shortly.")
        case .abandoned(let id):
            return try await takeOver(key: claim!.key, merchant: merchant, paymentId: id)
        case .mismatch:
            throw APIError.idempotency("idempotency_key_reused", "This Idempotency-Key was used with a different request body.")
        }
        var finalOptions = WriteOptions(endsLease: true)
        if let key = claim?.key {
            finalOptions.reply = { stored in IdempotencyReply(key: key, status: 201, body: PaymentResource.json(stored).bytes) }
        }
        return try await keepingLease(merchantId: merchant.id, key: claim?.key, paymentId: payment.id) {
            try await self.attempt(plan, payment: payment, stored: stored, first: first, opening: opening, finalOptions: finalOptions, config: config)
        }
    }

    /// Tries the plan's targets from `first` (whose attempt, `opening`, is already stored with the payment) until one
    /// answer is final, and settles the payment with the request's reply.
    func attempt(_ plan: RoutePlan, payment: Payment, stored initial: StoredPayment, first: Int, opening: (connection: Connection, attempt: Attempt)?,
                 finalOptions: WriteOptions, config: LiveConfig) async throws -> APIReply {
        var stored = initial
        var tried = 0
        for (index, name) in plan.targets.enumerated() where index >= first {
            let connection: Connection, attempt: Attempt
            var joined: StoredPayment
            if index == first, let opening {
                (connection, attempt, joined) = (opening.connection, opening.attempt, stored)
            } else {
                guard tried < plan.policy.maxAttempts,
                      let admitted = admit(name, sequence: tried + 1, paymentId: payment.id, plan: plan, config: config) else { continue }
                (connection, attempt) = admitted
                // The attempt is on disk before the PSP hears of it.
                let begun: Applied
                do {
                    begun = try await apply(.attemptStarted(attempt), to: payment.id, current: stored)
                } catch {
                    breakers.release(name)
                    throw error
                }
                guard begun.stored.attempt(attempt.id) != nil else {
                    // Someone else (the reconciler, after this request's lease) has settled the payment: stop here.
                    breakers.release(name)
                    return APIReply(status: 201, body: try await finish(payment.id, options: finalOptions).bytes)
                }
                joined = begun.stored
            }
            tried += 1
            let timeoutMs = plan.policy.timeoutMs ?? connection.config.requestTimeoutMs
            let sent = await psp.createKeepingTranscript(attempt, of: payment, on: connection, timeoutMs: timeoutMs)
            var result = sent.0
            var inquiry: Inquiry?
            if result.outcome == .unknown {
                (result, inquiry) = await psp.resolve(result, attempt: attempt, payment: payment, connection: connection, timeoutMs: timeoutMs)
            }
            // The breaker hears how the attempt settled, not the first try that lost its answer.
            breakers.record(name, failed: Self.unhealthy(result), config: connection.config.breaker, now: now())
            let duration = Int(now().timeIntervalSince(attempt.startedAt) * 1000)
            logger.info("payment attempt", metadata: [
                "payment": .string(payment.id), "attempt": .string(attempt.id), "connection": .string(name),
                "outcome": .string(result.outcome.rawValue), "duration_ms": .stringConvertible(duration),
                "failure_class": .string(result.failureClass?.rawValue ?? "-"), "error_code": .string(result.errorCode ?? "-"),
            ])
            GatewayMetrics.attempt(connection: name, outcome: result.outcome.rawValue)
            let more = index < plan.targets.count - 1 && tried < plan.policy.maxAttempts
            let final = !(more && Self.failsOver(result, policy: plan.policy))
            if !final {
                GatewayMetrics.failover(from: name, reason: result.failureClass?.rawValue ?? (result.declineClass.map { "\($0.rawValue)_decline" } ?? "other"))
            }
            if result.outcome == .unknown, let review = inquiry?.owed(connection: name, attempt: attempt.id) {
                // The PSP cannot be asked whether it holds the payment: a person looks, from now, not after the looks.
                joined = try await apply(.needsOperator(review), to: payment.id, current: joined).stored
            }
            let fact = PaymentFact.attemptAnswered(attemptId: attempt.id, answer: result, final: final, durationMs: duration,
                                                   checkDuplicates: inquiry?.checksDuplicates ?? false)
            var options = final ? finalOptions : WriteOptions()
            options.calls = sent.1.map { [$0] } ?? []
            let answered = try await apply(fact, to: payment.id, current: joined, options: options)
            if final { return APIReply(status: 201, body: PaymentResource.json(answered.stored).bytes) }
            stored = answered.stored
        }
        // Every target was skipped when its turn came (a half-open breaker's probe already taken).
        let ended = try await apply(.noConnectionAvailable, to: payment.id, current: stored, options: finalOptions)
        return APIReply(status: 201, body: PaymentResource.json(ended.stored).bytes)
    }

    /// A new attempt on target `name` when its connection exists and its breaker lets a call through (taking the
    /// half-open probe; the caller releases it when the attempt is not made).
    func admit(_ name: String, sequence: Int, paymentId: String, plan: RoutePlan, config: LiveConfig) -> (connection: Connection, attempt: Attempt)? {
        guard let connection = config.connections[name], breakers.admit(name, config: connection.config.breaker, now: now()) == nil else { return nil }
        return (connection, Attempt(id: Identifier.make("att"), paymentId: paymentId, sequence: sequence, connection: name,
                                    outcome: .unknown, rule: plan.rule, configVersion: plan.configVersion, startedAt: now()))
    }

    /// Ends the create path on a payment someone else settled: its reply is the payment as it stands.
    func finish(_ paymentId: String, options: WriteOptions) async throws -> JSONBody {
        let applied = try await apply(.noConnectionAvailable, to: paymentId, options: options)
        return PaymentResource.json(applied.stored)
    }

    /// A retry of a create whose request died without replying (its instance stopped renewing the lease): this request
    /// settles the payment now, as the reconciler would (asking its PSP), and answers it. A settled payment's reply is
    /// stored for the key, so every later retry gets the same bytes; one whose PSP still cannot say is answered as it
    /// stands (processing) and the key waits for the reconciler to settle it.
    func takeOver(key: String, merchant: Merchant, paymentId: String) async throws -> APIReply {
        if let stored = try await store.payment(id: paymentId, merchantId: merchant.id), stored.payment.status == .processing {
            do { _ = try await reconcile(stored, force: false) } catch {
                logger.warning("could not settle an abandoned create", metadata: ["payment": .string(paymentId), "error": .string("\(type(of: error))")])
            }
        }
        guard let current = try await store.payment(id: paymentId, merchantId: merchant.id) else { throw APIError.internalError }
        let body = PaymentResource.json(current).bytes
        guard current.payment.status != .processing else { return APIReply(status: 201, body: body) }
        let reply = try await store.settle(key: key, merchantId: merchant.id, reply: IdempotencyReply(key: key, status: 201, body: body))
        return APIReply(status: reply.status, body: reply.body)
    }

    /// The payment as it stands, as a reply.
    func currentReply(_ paymentId: String, merchant: Merchant, status: Int) async throws -> APIReply? {
        try await store.payment(id: paymentId, merchantId: merchant.id).map { APIReply(status: status, body: PaymentResource.json($0).bytes) }
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
