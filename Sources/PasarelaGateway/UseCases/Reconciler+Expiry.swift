import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Reconciler {
    /// A voucher past its expiry: confirmed unpaid at the PSP, canceled there where the PSP can, then `expired`. Paid
    /// meanwhile, it succeeds instead. A PSP that cannot be asked is asked again at the next looks; after the last, the
    /// voucher expires anyway (a late payment still counts, flagged).
    func expire(_ stored: StoredPayment, look: WriteOptions) async throws -> ReconcileAction {
        let payment = stored.payment
        guard let attempt = stored.lastAttempt, let connection = live.current.connections[attempt.connection] else {
            return action(payment.id, .expired, try await writer.apply(.voucherExpired, to: payment.id, current: stored, options: look))
        }
        let policy = connection.config.reconcile
        let lastLook = payment.looks + 1 >= policy.maxLooks
        let pspId = attempt.pspPaymentId ?? payment.pspPaymentId
        if let pspId, connection.adapter.lookup != nil {
            switch await psp.lookup(.pspPaymentId(pspId), connection: connection, timeoutMs: connection.config.requestTimeoutMs,
                                about: CallSubject(paymentId: payment.id, attemptId: attempt.id)) {
            case .found(let outcomes) where outcomes[0].status != .requiresAction && outcomes[0].status != nil:
                let fact = PaymentFact.lookupFound(attemptId: attempt.id, answer: outcomes[0])
                return action(payment.id, .asked, try await writer.apply(fact, to: payment.id, current: stored, options: look))
            case .failed(let outcome) where !lastLook:
                return try await noNews(stored, look: look, because: outcome.errorMessage ?? "no answer")
            default:
                break
            }
        }
        if let pspId, let flow = connection.adapter.cancel, flow.cancels(payment.request.method.type, status: .requiresAction) {
            // The intent is on disk first: the PSP's notification of the cancel may come before its answer.
            let requested = try await writer.apply(.cancelRequested(.expiry), to: payment.id, current: stored)
            guard requested.stored.payment.pendingCancel == .expiry else { return action(payment.id, .expired, requested) }
            let answer = await psp.cancel(attempt, pspPaymentId: pspId, connection: connection)
            switch answer {
            case .canceled, .accepted: break
            case .refused, .failed: _ = try await writer.apply(.cancelAbandoned, to: payment.id)
            }
            switch answer {
            case .canceled:
                break
            case .accepted:
                // The PSP confirms later; the cancel stays asked and the next look (soon) reads where it stands.
                let current = try await queue.payment(id: payment.id, merchantId: nil) ?? stored
                return try await noNews(current, look: look, because: "the PSP accepted the cancel and confirms it later")
            case .refused:
                // Refused: perhaps paid at the last minute. The PSP's word decides.
                if case .found(let outcomes) = await psp.lookup(.pspPaymentId(pspId), connection: connection,
                                                            timeoutMs: connection.config.requestTimeoutMs,
                                                            about: CallSubject(paymentId: payment.id, attemptId: attempt.id)),
                   outcomes[0].status != .requiresAction {
                    let fact = PaymentFact.lookupFound(attemptId: attempt.id, answer: outcomes[0])
                    return action(payment.id, .asked, try await writer.apply(fact, to: payment.id, options: look))
                }
            case .failed(_, let message) where !lastLook:
                let current = try await queue.payment(id: payment.id, merchantId: nil) ?? stored
                return try await noNews(current, look: look, because: "cancel at the PSP failed: \(message)")
            case .failed:
                break
            }
            return action(payment.id, .expired, try await writer.apply(.voucherExpired, to: payment.id, options: look))
        }
        return action(payment.id, .expired, try await writer.apply(.voucherExpired, to: payment.id, current: stored, options: look))
    }

    /// Cancels every other live payment the PSP holds under the attempt's reference (a replay the PSP did not refuse as a
    /// duplicate), so the payment keeps exactly one voucher. One that was paid is money received: the payment takes it.
    func checkDuplicates(_ attempt: Attempt, of paymentId: String) async throws -> [ReconcileAction] {
        guard let connection = live.current.connections[attempt.connection], connection.adapter.lookup?.findsByReference == true else {
            _ = try await writer.apply(.duplicatesChecked(attemptId: attempt.id), to: paymentId)
            return []
        }
        guard let current = try await queue.payment(id: paymentId, merchantId: nil), let kept = current.attempt(attempt.id) else { return [] }
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
                    let applied = try await writer.apply(.lookupFound(attemptId: attempt.id, answer: extra), to: paymentId)
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
        if !pending { _ = try await writer.apply(.duplicatesChecked(attemptId: attempt.id), to: paymentId) }
        return actions
    }
}
