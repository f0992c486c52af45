import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// Settles what webhooks alone leave open: attempts whose outcome is unknown, payments `processing` too long, vouchers
/// past their expiry and vouchers with no news, refunds pending, duplicate vouchers of a replay. Each answer is a fact
/// for ``PaymentMachine``, written and announced like a webhook's. ``ReconcilerService`` runs it on a schedule;
/// `pasarela reconcile --once` runs one pass by hand.
public final class Reconciler: AbandonedCreates, Sendable {
    let queue: any ReconcilerQueue & PaymentLedger
    let writer: PaymentWriter
    let psp: PSPClient
    let live: LiveConfigs
    let counters: ConnectionCounters
    /// How long a claim of due payments holds them: another instance takes them up when this one dies meanwhile.
    let workLease: TimeInterval
    let now: @Sendable () -> Date

    init(queue: any ReconcilerQueue & PaymentLedger, writer: PaymentWriter, psp: PSPClient, live: LiveConfigs, counters: ConnectionCounters,
         workLease: TimeInterval, now: @escaping @Sendable () -> Date) {
        self.queue = queue
        self.writer = writer
        self.psp = psp
        self.live = live
        self.counters = counters
        self.workLease = workLease
        self.now = now
    }

    /// A create whose request died: settled now, as a look would (its retry takes it over).
    func settleNow(_ stored: StoredPayment) async throws { _ = try await reconcile(stored, force: false) }

    /// One pass over the payments whose next look is due, one connection's payments after another's failures alike.
    public func reconcileDue(limit: Int) async -> ReconcileReport {
        do {
            let claimed = try await queue.claimDue(now: now(), limit: limit, leaseUntil: now().addingTimeInterval(workLease))
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
            do { page = try await queue.openPayments(after: after, limit: 200) } catch {
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
        counters.countReconciled(connection, "\(action.step.rawValue):\(action.outcome)")
        GatewayMetrics.reconcilerAction(connection: connection, step: action.step.rawValue, outcome: action.outcome)
    }
}
