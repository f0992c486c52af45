import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import PasarelaStore

/// Settles a payment whose create request died, now, the way the reconciler would: the seam through which a retry of
/// that create takes it over (``Reconciler`` is the one).
protocol AbandonedCreates: Sendable {
    func settleNow(_ stored: StoredPayment) async throws
}

/// `POST /v1/payments`: routes a payment, stores it before any PSP hears of it, tries its targets with failover, and
/// answers with the payment as its PSP left it.
final class CreatePayment: Sendable {
    let ledger: any PaymentLedger & IdempotencyKeys
    let writer: PaymentWriter
    let psp: PSPClient
    let planner: RoutePlanner
    let live: LiveConfigs
    let leases: RequestLeases
    let replies: any ReplyRendering
    let abandoned: any AbandonedCreates
    let logger: Logger
    let now: @Sendable () -> Date

    init(ledger: any PaymentLedger & IdempotencyKeys, writer: PaymentWriter, psp: PSPClient, planner: RoutePlanner, live: LiveConfigs,
         leases: RequestLeases, replies: any ReplyRendering, abandoned: any AbandonedCreates, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.ledger = ledger
        self.writer = writer
        self.psp = psp
        self.planner = planner
        self.live = live
        self.leases = leases
        self.replies = replies
        self.abandoned = abandoned
        self.logger = logger
        self.now = now
    }

    var breakers: CircuitBreakers { psp.breakers }

    /// Creates a payment: plan a route, store the payment before any PSP call, try the targets in order, and state each
    /// step as a fact for ``PaymentMachine``: an attempt joins the payment (on disk before its PSP hears of it), its
    /// answer is recorded before the next attempt starts, and the last answer settles the payment together with the
    /// idempotency reply. A webhook that arrives meanwhile is a fact like any other: nothing here overwrites it.
    ///
    /// - Throws: ``CommandError`` for idempotency conflicts, a refused notification URL and requests no connection can carry.
    func run(_ command: CreatePaymentCommand) async throws -> CommandAnswer<StoredPayment> {
        let (request, merchant) = (command.request, command.merchant)
        let config = live.current
        if let url = request.notificationURL, let reason = await live.outbound.refusal(url) {
            throw CommandError.notificationURLRefused(reason)
        }
        let started = now()
        let plan = planner.plan(request, merchant: merchant, config: config, draw: Double.random(in: 0..<1))
        if plan.targets.isEmpty {
            let reasons = plan.skipped.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")
            if !plan.skipped.isEmpty, plan.skipped.allSatisfy({ $0.kind == .breaker }) { throw CommandError.connectionsPaused(reasons) }
            throw CommandError.noConnection(method: request.method.type.rawValue, country: request.country, currency: request.amount.currency.code,
                                            rule: plan.rule, reasons: reasons)
        }
        // The request holds the payment and its key for a short lease, renewed while it runs (``RequestLeases``).
        let lease = started.addingTimeInterval(leases.lease.duration)
        let payment = Payment(id: Identifier.make("pay"), merchantId: merchant.id, livemode: merchant.livemode,
                              status: .processing, request: request,
                              expiresAt: request.expiresAt ?? started.addingTimeInterval(Payment.defaultExpiry),
                              rule: plan.rule, configVersion: plan.configVersion, createdAt: started, updatedAt: started,
                              leaseUntil: lease, nextLookAt: lease)
        let claim = command.idempotency.map { IdempotencyClaim(key: $0.key, requestHash: $0.fingerprint, leaseUntil: lease) }
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
        if let opening { stored = writer.decide(.attemptStarted(opening.attempt), on: stored, at: started, options: WriteOptions()).1 }
        let created: CreateResult
        do {
            created = try await ledger.create(stored.payment, attempts: stored.attempts, idempotency: claim)
        } catch {
            if let opening { breakers.release(opening.connection.config.name) }
            throw error
        }
        if created != .created, let opening { breakers.release(opening.connection.config.name) }
        switch created {
        case .created: break
        case .replay(let reply): return .replayed(StoredReply(reply))
        case .inFlight(let id): throw CommandError.keyInFlight(paymentId: id)
        case .abandoned(let id): return try await takeOver(key: claim!.key, merchant: merchant, paymentId: id)
        case .mismatch: throw CommandError.keyReused(body: true)
        }
        var finalOptions = WriteOptions(endsLease: true)
        if let key = claim?.key {
            let replies = self.replies
            finalOptions.reply = { stored in replies.payment(stored, .created).keyed(key) }
        }
        return .done(try await leases.keeping(merchantId: merchant.id, key: claim?.key, paymentId: payment.id) {
            try await self.attempt(plan, payment: payment, stored: stored, first: first, opening: opening, finalOptions: finalOptions, config: config)
        })
    }

    /// Tries the plan's targets from `first` (whose attempt, `opening`, is already stored with the payment) until one
    /// answer is final, and settles the payment with the request's reply.
    func attempt(_ plan: RoutePlan, payment: Payment, stored initial: StoredPayment, first: Int, opening: (connection: Connection, attempt: Attempt)?,
                 finalOptions: WriteOptions, config: LiveConfig) async throws -> StoredPayment {
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
                    begun = try await writer.apply(.attemptStarted(attempt), to: payment.id, current: stored)
                } catch {
                    breakers.release(name)
                    throw error
                }
                guard begun.stored.attempt(attempt.id) != nil else {
                    // Someone else (the reconciler, after this request's lease) has settled the payment: stop here.
                    breakers.release(name)
                    return try await finish(payment.id, options: finalOptions)
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
                joined = try await writer.apply(.needsOperator(review), to: payment.id, current: joined).stored
            }
            let fact = PaymentFact.attemptAnswered(attemptId: attempt.id, answer: result, final: final, durationMs: duration,
                                                   checkDuplicates: inquiry?.checksDuplicates ?? false)
            var options = final ? finalOptions : WriteOptions()
            options.calls = sent.1.map { [$0] } ?? []
            let answered = try await writer.apply(fact, to: payment.id, current: joined, options: options)
            if final { return answered.stored }
            stored = answered.stored
        }
        // Every target was skipped when its turn came (a half-open breaker's probe already taken).
        return try await writer.apply(.noConnectionAvailable, to: payment.id, current: stored, options: finalOptions).stored
    }

    /// A new attempt on target `name` when its connection exists and its breaker lets a call through (taking the
    /// half-open probe; the caller releases it when the attempt is not made).
    func admit(_ name: String, sequence: Int, paymentId: String, plan: RoutePlan, config: LiveConfig) -> (connection: Connection, attempt: Attempt)? {
        guard let connection = config.connections[name], breakers.admit(name, config: connection.config.breaker, now: now()) == nil else { return nil }
        return (connection, Attempt(id: Identifier.make("att"), paymentId: paymentId, sequence: sequence, connection: name,
                                    outcome: .unknown, rule: plan.rule, configVersion: plan.configVersion, startedAt: now()))
    }

    /// Ends the create path on a payment someone else settled: its reply is the payment as it stands.
    func finish(_ paymentId: String, options: WriteOptions) async throws -> StoredPayment {
        try await writer.apply(.noConnectionAvailable, to: paymentId, options: options).stored
    }

    /// A retry of a create whose request died without replying (its instance stopped renewing the lease): this request
    /// settles the payment now, as the reconciler would (asking its PSP), and answers it. A settled payment's reply is
    /// stored for the key, so every later retry gets the same bytes; one whose PSP still cannot say is answered as it
    /// stands (processing) and the key waits for the reconciler to settle it.
    func takeOver(key: String, merchant: Merchant, paymentId: String) async throws -> CommandAnswer<StoredPayment> {
        if let stored = try await ledger.payment(id: paymentId, merchantId: merchant.id), stored.payment.status == .processing {
            do { try await abandoned.settleNow(stored) } catch {
                logger.warning("could not settle an abandoned create", metadata: ["payment": .string(paymentId), "error": .string("\(type(of: error))")])
            }
        }
        guard let current = try await ledger.payment(id: paymentId, merchantId: merchant.id) else { throw GatewayFailure.paymentVanished(paymentId) }
        guard current.payment.status != .processing else { return .done(current) }
        let rendered = replies.payment(current, .created)
        let kept = StoredReply(try await ledger.settle(key: key, merchantId: merchant.id, reply: rendered.keyed(key)))
        return kept == rendered ? .done(current) : .replayed(kept)
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
}
