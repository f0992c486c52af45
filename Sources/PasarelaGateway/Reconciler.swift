import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaStore
import ServiceLifecycle

/// Settles what webhooks alone leave open: attempts whose outcome is unknown, payments `processing` too long, vouchers
/// past their expiry and vouchers with no news. Each answer is a fact for ``PaymentMachine``, written and announced like
/// a webhook's. Runs in the gateway's service group; `pasarela reconcile --once` runs one pass of it by hand.
public final class Reconciler: Service, Sendable {
    let gateway: Gateway
    let interval: Duration
    let logger: Logger

    public init(gateway: Gateway, interval: Duration = .seconds(5), logger: Logger) {
        self.gateway = gateway
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // Small batches, so their looks end within the claim's lease (a look that runs past it may be repeated by
                // another instance, which is harmless: lookups and replays are idempotent, facts land by compare-and-set);
                // full batches are followed by the next one at once.
                var report: ReconcileReport
                repeat {
                    report = await self.gateway.reconcileDue(limit: 25)
                    for action in report.actions { self.logger.info("reconciler", metadata: action.metadata) }
                    for failure in report.failures {
                        self.logger.warning("reconciler could not settle a payment", metadata: ["payment": .string(failure.paymentId),
                                                                                               "error": .string(failure.message)])
                    }
                } while report.looked == 25 && !Task.isCancelled
                try await Task.sleep(for: self.interval)
            }
        }
    }
}

/// What one reconciler pass did.
public struct ReconcileReport: Sendable {
    public var looked = 0
    public var actions: [ReconcileAction] = []
    public var failures: [(paymentId: String, message: String)] = []

    /// One line per action, for `pasarela reconcile --once`.
    public var lines: [String] {
        actions.map { "\($0.paymentId)  \($0.step.rawValue)  \($0.detail)" }
            + failures.map { "\($0.paymentId)  error  \($0.message)" }
    }
}

/// One thing the reconciler did to one payment.
public struct ReconcileAction: Sendable, Equatable {
    public var paymentId: String
    public var step: ReconcileStep
    /// What came of it, as a label: `moved`, `recorded`, `flagged`, `no_news`, `canceled`, or why nothing changed.
    public var outcome: String
    /// What came of it, for people.
    public var detail: String
    /// The status the payment moved to, when it moved.
    public var reached: PaymentStatus?

    var metadata: Logger.Metadata {
        ["payment": .string(paymentId), "step": .string(step.rawValue), "outcome": .string(outcome), "detail": .string(detail)]
    }
}

/// The reconciler's steps, as log fields and metric labels.
public enum ReconcileStep: String, Sendable {
    /// Asked the PSP (lookup or identical replay) about an open payment.
    case asked
    /// The payment never reached a PSP: ended `failed`.
    case interrupted
    /// The last attempt had failed before a crash: the payment ends as that attempt did.
    case endedAsAttempted = "ended_as_attempted"
    /// Bounded looks learnt nothing: ended `failed` (`outcome_unresolved`).
    case gaveUp = "gave_up"
    /// A voucher past its expiry, confirmed and canceled at the PSP where possible.
    case expired
    /// A second PSP payment under one reference, canceled there.
    case duplicateCanceled = "duplicate_canceled"
    /// Asked the PSP where a pending refund stands.
    case refundAsked = "refund_asked"
}

extension Gateway {
    /// One pass over the payments whose next look is due, one connection's payments after another's failures alike.
    public func reconcileDue(limit: Int) async -> ReconcileReport {
        do {
            let claimed = try await store.claimDue(now: now(), limit: limit, leaseUntil: now().addingTimeInterval(workLease))
            return await reconcile(claimed, force: false)
        } catch {
            var report = ReconcileReport()
            report.failures.append(("-", "cannot read due payments: \(type(of: error))"))
            return report
        }
    }

    /// Every payment not final now, ignoring the schedule and leases: `pasarela reconcile --once` after a crash.
    public func reconcileAll() async -> ReconcileReport {
        var report = ReconcileReport(), after: String?
        while true {
            let page: [StoredPayment]
            do { page = try await store.openPayments(after: after, limit: 200) } catch {
                report.failures.append(("-", "cannot read open payments: \(type(of: error))"))
                return report
            }
            guard let last = page.last else { return report }
            let done = await reconcile(page, force: true)
            report.looked += done.looked
            report.actions += done.actions
            report.failures += done.failures
            after = last.payment.id
        }
    }

    /// Looks at each payment; payments of different connections are settled side by side, so one PSP that fails or is
    /// slow holds up none of the others.
    func reconcile(_ payments: [StoredPayment], force: Bool) async -> ReconcileReport {
        let byConnection = Dictionary(grouping: payments) { $0.payment.connection ?? $0.lastAttempt?.connection ?? "" }
        return await withTaskGroup(of: ReconcileReport.self) { group in
            for (_, list) in byConnection {
                group.addTask {
                    var report = ReconcileReport()
                    for stored in list {
                        report.looked += 1
                        do {
                            report.actions += try await self.reconcile(stored, force: force)
                        } catch {
                            report.failures.append((stored.payment.id, String(describing: error).prefix(300).description))
                        }
                    }
                    return report
                }
            }
            var total = ReconcileReport()
            for await part in group {
                total.looked += part.looked
                total.actions += part.actions
                total.failures += part.failures
            }
            return total
        }
    }

    /// Settles one payment as far as its PSP allows now.
    func reconcile(_ stored: StoredPayment, force: Bool) async throws -> [ReconcileAction] {
        let payment = stored.payment
        if !force, let lease = payment.leaseUntil, lease > now() { return [] }
        var actions: [ReconcileAction] = []
        let look = WriteOptions(isLook: true)
        switch payment.status {
        case .processing:
            actions.append(try await settleProcessing(stored, look: look))
        case .requiresAction where (payment.expiresAt.map { $0 <= now() } ?? false):
            actions.append(try await expire(stored, look: look))
        case .requiresAction, .authorized:
            actions.append(try await lookAgain(stored, look: look))
        case .succeeded, .failed, .canceled, .expired:
            break
        }
        for refund in stored.refunds where refund.status == .pending {
            actions.append(try await lookUp(refund, of: payment.id))
        }
        for attempt in stored.attempts where attempt.needsDuplicateCheck {
            actions += try await checkDuplicates(attempt, of: payment.id)
        }
        return actions
    }

    func action(_ payment: String, _ step: ReconcileStep, _ applied: Applied) -> ReconcileAction {
        let action: ReconcileAction = switch applied.decision.verdict {
        case .applied(let status):
            ReconcileAction(paymentId: payment, step: step, outcome: "moved", detail: "now \(status.rawValue)", reached: status)
        case .recorded:
            ReconcileAction(paymentId: payment, step: step, outcome: "recorded",
                            detail: "recorded what the PSP said; still \(applied.stored.payment.status.rawValue)")
        case .flagged(let reason):
            ReconcileAction(paymentId: payment, step: step, outcome: "flagged", detail: "flagged: \(reason.message)")
        case .unchanged(let reason):
            ReconcileAction(paymentId: payment, step: step, outcome: reason.code, detail: "no change: \(reason.message)")
        }
        countReconciled(applied.stored, action)
        return action
    }

    /// Counts what the reconciler did per connection, for `GET /v1/connections`.
    func countReconciled(_ stored: StoredPayment, _ action: ReconcileAction) {
        let connection = stored.payment.connection ?? stored.lastAttempt?.connection ?? "-"
        reconciled.withLock { $0[connection, default: [:]]["\(action.step.rawValue):\(action.outcome)", default: 0] += 1 }
        GatewayMetrics.reconcilerAction(connection: connection, step: action.step.rawValue, outcome: action.outcome)
    }

    /// A `processing` payment: ask its PSP about its last attempt.
    func settleProcessing(_ stored: StoredPayment, look: WriteOptions) async throws -> ReconcileAction {
        let payment = stored.payment
        guard let attempt = stored.lastAttempt else {
            return action(payment.id, .interrupted, try await apply(.interruptedBeforePSP, to: payment.id, current: stored, options: look))
        }
        if attempt.outcome == .failed || attempt.outcome == .declined {
            // Crashed after recording a failed attempt and before the next: the payment ends as that attempt did.
            let answer = PSPOutcome(outcome: attempt.outcome, declineClass: attempt.declineClass, failureClass: attempt.failureClass,
                                    errorCode: attempt.errorCode, errorMessage: attempt.errorMessage)
            let fact = PaymentFact.attemptAnswered(attemptId: attempt.id, answer: answer, final: true)
            return action(payment.id, .endedAsAttempted, try await apply(fact, to: payment.id, current: stored, options: look))
        }
        guard let connection = config.connections[attempt.connection] else {
            return try await noNews(stored, look: look, because: "connection \(attempt.connection) is not configured", pspCanSay: false)
        }
        let inquiry = await psp.inquire(attempt, payment: payment, connection: connection, timeoutMs: connection.config.requestTimeoutMs)
        switch inquiry.answer {
        case .found(let outcomes):
            let fact = PaymentFact.lookupFound(attemptId: attempt.id, answer: outcomes[0], checkDuplicates: inquiry.checksDuplicates)
            return action(payment.id, .asked, try await apply(fact, to: payment.id, current: stored, options: look))
        case .notFound:
            return action(payment.id, .asked, try await apply(.lookupNotFound(attemptId: attempt.id), to: payment.id, current: stored, options: look))
        case .failed(let outcome):
            return try await noNews(stored, look: look, because: outcome.errorMessage ?? "no answer", pspCanSay: !inquiry.unresolvable,
                                    flag: inquiry.owed(connection: connection.config.name, attempt: attempt.id))
        case .identified(let pspId):
            return try await noNews(stored, look: look, because: "the PSP names payment \(pspId) but did not say its state")
        }
    }

    /// A look that learnt nothing: counted, and waits longer before the next. A `processing` payment whose PSP can say
    /// whether it holds it is never ended for the PSP's silence: after the connection's last look it is flagged
    /// (`psp_not_answering`) and still asked. One whose PSP cannot say (no lookup by reference, no safe replay, no
    /// connection) is flagged at once and ends `failed` (`outcome_unresolved`) after the last look; a genuine payment
    /// notification later still turns it `succeeded`, flagged.
    func noNews(_ stored: StoredPayment, look: WriteOptions, because reason: String, pspCanSay: Bool = true,
                flag: ReviewReason? = nil) async throws -> ReconcileAction {
        let payment = stored.payment
        let policy = lookPolicy(stored)
        let fact = LookSchedule.silentLook(payment, connection: payment.connection ?? stored.lastAttempt?.connection ?? "-", policy: policy,
                                           pspCanSay: pspCanSay, flag: flag)
        if fact == .reconcileGaveUp {
            return action(payment.id, .gaveUp, try await apply(fact, to: payment.id, current: stored, options: look))
        }
        let applied = try await apply(fact, to: payment.id, current: stored, options: look)
        var action = ReconcileAction(paymentId: payment.id, step: .asked, outcome: "no_news",
                                     detail: "no news (\(reason.prefix(200))); look \(payment.looks + 1) of \(policy.maxLooks)")
        if case .flagged(let reason) = applied.decision.verdict {
            action.outcome = "flagged"
            action.detail += "; flagged: \(reason.code)"
        }
        countReconciled(applied.stored, action)
        return action
    }

    /// A voucher or authorization with no news for a while: ask again.
    func lookAgain(_ stored: StoredPayment, look: WriteOptions) async throws -> ReconcileAction {
        let payment = stored.payment
        guard let attempt = stored.lastAttempt, let pspId = attempt.pspPaymentId ?? payment.pspPaymentId,
              let connection = config.connections[attempt.connection], connection.adapter.lookup != nil else {
            return try await noNews(stored, look: look, because: "the PSP offers no lookup")
        }
        switch await psp.lookup(.pspPaymentId(pspId), connection: connection, timeoutMs: connection.config.requestTimeoutMs,
                            about: CallSubject(paymentId: payment.id, attemptId: attempt.id)) {
        case .found(let outcomes):
            let fact = PaymentFact.lookupFound(attemptId: attempt.id, answer: outcomes[0])
            return action(payment.id, .asked, try await apply(fact, to: payment.id, current: stored, options: look))
        case .notFound:
            return try await noNews(stored, look: look, because: "the PSP has no payment \(pspId)")
        case .failed(let outcome):
            return try await noNews(stored, look: look, because: outcome.errorMessage ?? "no answer")
        case .identified:
            return try await noNews(stored, look: look, because: "the PSP did not say the state of \(pspId)")
        }
    }

    /// A refund still pending: ask its PSP where it stands.
    func lookUp(_ refund: Refund, of paymentId: String) async throws -> ReconcileAction {
        guard let current = try await store.payment(id: paymentId, merchantId: nil) else { throw GatewayFailure.paymentVanished(paymentId) }
        let look = WriteOptions(isLook: true)
        guard let connection = config.connections[refund.connection], let flow = connection.adapter.refundLookup,
              let pspPaymentId = current.lastAttempt?.pspPaymentId ?? current.payment.pspPaymentId else {
            return try await noNews(current, look: look, because: "the PSP offers no refund lookup")
        }
        let target = RefundTarget(refundId: refund.id, pspRefundId: refund.pspRefundId, pspPaymentId: pspPaymentId)
        let at = now()
        let outcome = await psp.call(PSPCall(flow: .refundLookup,
                                             build: { context throws(AdapterError) in try flow.buildRefundLookup(target, now: at, context: context) },
                                             read: { flow.parseRefundLookup($0, target: target) },
                                             failed: { RefundOutcome(result: .unknown, errorMessage: $0.errorMessage) }),
                                     on: connection, about: CallSubject(paymentId: paymentId, attemptId: current.lastAttempt?.id))
        guard outcome.result != .unknown else { return try await noNews(current, look: look, because: outcome.errorMessage ?? "no answer") }
        return action(paymentId, .refundAsked, try await apply(.refundOutcome(refundId: refund.id, outcome: outcome), to: paymentId,
                                                                current: current, options: look))
    }

    /// A voucher past its expiry: confirmed unpaid at the PSP, canceled there where the PSP can, then `expired`. Paid
    /// meanwhile, it succeeds instead. A PSP that cannot be asked is asked again at the next looks; after the last, the
    /// voucher expires anyway (a late payment still counts, flagged).
    func expire(_ stored: StoredPayment, look: WriteOptions) async throws -> ReconcileAction {
        let payment = stored.payment
        guard let attempt = stored.lastAttempt, let connection = config.connections[attempt.connection] else {
            return action(payment.id, .expired, try await apply(.voucherExpired, to: payment.id, current: stored, options: look))
        }
        let policy = connection.config.reconcile
        let lastLook = payment.looks + 1 >= policy.maxLooks
        let pspId = attempt.pspPaymentId ?? payment.pspPaymentId
        if let pspId, connection.adapter.lookup != nil {
            switch await psp.lookup(.pspPaymentId(pspId), connection: connection, timeoutMs: connection.config.requestTimeoutMs,
                                about: CallSubject(paymentId: payment.id, attemptId: attempt.id)) {
            case .found(let outcomes) where outcomes[0].status != .requiresAction && outcomes[0].status != nil:
                let fact = PaymentFact.lookupFound(attemptId: attempt.id, answer: outcomes[0])
                return action(payment.id, .asked, try await apply(fact, to: payment.id, current: stored, options: look))
            case .failed(let outcome) where !lastLook:
                return try await noNews(stored, look: look, because: outcome.errorMessage ?? "no answer")
            default:
                break
            }
        }
        if let pspId, let flow = connection.adapter.cancel, flow.cancels(payment.request.method.type, status: .requiresAction) {
            // The intent is on disk first: the PSP's notification of the cancel may come before its answer.
            let requested = try await apply(.cancelRequested(.expiry), to: payment.id, current: stored)
            guard requested.stored.payment.pendingCancel == .expiry else { return action(payment.id, .expired, requested) }
            let answer = await psp.cancel(attempt, pspPaymentId: pspId, connection: connection)
            switch answer {
            case .canceled, .accepted: break
            case .refused, .failed: _ = try await apply(.cancelAbandoned, to: payment.id)
            }
            switch answer {
            case .canceled:
                break
            case .accepted:
                // The PSP confirms later; the cancel stays asked and the next look (soon) reads where it stands.
                let current = try await store.payment(id: payment.id, merchantId: nil) ?? stored
                return try await noNews(current, look: look, because: "the PSP accepted the cancel and confirms it later")
            case .refused:
                // Refused: perhaps paid at the last minute. The PSP's word decides.
                if case .found(let outcomes) = await psp.lookup(.pspPaymentId(pspId), connection: connection,
                                                            timeoutMs: connection.config.requestTimeoutMs,
                                                            about: CallSubject(paymentId: payment.id, attemptId: attempt.id)),
                   outcomes[0].status != .requiresAction {
                    let fact = PaymentFact.lookupFound(attemptId: attempt.id, answer: outcomes[0])
                    return action(payment.id, .asked, try await apply(fact, to: payment.id, options: look))
                }
            case .failed(_, let message) where !lastLook:
                let current = try await store.payment(id: payment.id, merchantId: nil) ?? stored
                return try await noNews(current, look: look, because: "cancel at the PSP failed: \(message)")
            case .failed:
                break
            }
            return action(payment.id, .expired, try await apply(.voucherExpired, to: payment.id, options: look))
        }
        return action(payment.id, .expired, try await apply(.voucherExpired, to: payment.id, current: stored, options: look))
    }

    /// Cancels every other live payment the PSP holds under the attempt's reference (a replay the PSP did not refuse as a
    /// duplicate), so the payment keeps exactly one voucher. One that was paid is money received: the payment takes it.
    func checkDuplicates(_ attempt: Attempt, of paymentId: String) async throws -> [ReconcileAction] {
        guard let connection = config.connections[attempt.connection], connection.adapter.lookup?.findsByReference == true else {
            _ = try await apply(.duplicatesChecked(attemptId: attempt.id), to: paymentId)
            return []
        }
        guard let current = try await store.payment(id: paymentId, merchantId: nil), let kept = current.attempt(attempt.id) else { return [] }
        let keep = kept.pspPaymentId ?? current.payment.pspPaymentId
        let answer = await psp.lookup(.reference(attempt.id), connection: connection, timeoutMs: connection.config.requestTimeoutMs,
                                  about: CallSubject(paymentId: paymentId, attemptId: attempt.id))
        var actions: [ReconcileAction] = []
        var pending = false
        switch answer {
        case .failed, .identified: return []
        case .found, .notFound: break
        }
        if case .found(let outcomes) = answer {
            for extra in outcomes where extra.pspPaymentId != keep && extra.pspPaymentId != nil {
                if extra.status == .succeeded {
                    let applied = try await apply(.lookupFound(attemptId: attempt.id, answer: extra), to: paymentId)
                    actions.append(action(paymentId, .asked, applied))
                    continue
                }
                guard extra.status == .requiresAction || extra.status == .processing, let extraId = extra.pspPaymentId else { continue }
                switch await psp.cancel(attempt, pspPaymentId: extraId, connection: connection) {
                case .canceled, .accepted, .refused:
                    let action = ReconcileAction(paymentId: paymentId, step: .duplicateCanceled, outcome: "canceled",
                                                 detail: "canceled \(extraId) at \(connection.config.name); kept \(keep ?? "-")")
                    countReconciled(current, action)
                    actions.append(action)
                case .failed:
                    pending = true
                }
            }
        }
        if !pending { _ = try await apply(.duplicatesChecked(attemptId: attempt.id), to: paymentId) }
        return actions
    }
}
