import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Reconciler {
    /// A `processing` payment: ask its PSP about its last attempt.
    func settleProcessing(_ stored: StoredPayment, look: WriteOptions) async throws -> ReconcileAction {
        let payment = stored.payment
        guard let attempt = stored.lastAttempt else {
            return action(payment.id, .interrupted, try await writer.apply(.interruptedBeforePSP, to: payment.id, current: stored, options: look))
        }
        if attempt.outcome == .failed || attempt.outcome == .declined {
            // Crashed after recording a failed attempt and before the next: the payment ends as that attempt did.
            let answer = PSPOutcome(outcome: attempt.outcome, declineClass: attempt.declineClass, failureClass: attempt.failureClass,
                                    errorCode: attempt.errorCode, errorMessage: attempt.errorMessage)
            let fact = PaymentFact.attemptAnswered(attemptId: attempt.id, answer: answer, final: true)
            return action(payment.id, .endedAsAttempted, try await writer.apply(fact, to: payment.id, current: stored, options: look))
        }
        guard let connection = live.current.connections[attempt.connection] else {
            return try await noNews(stored, look: look, because: "connection \(attempt.connection) is not configured", pspCanSay: false)
        }
        let inquiry = await psp.inquire(attempt, payment: payment, connection: connection, timeoutMs: connection.config.requestTimeoutMs)
        switch inquiry.answer {
        case .found(let outcomes):
            let fact = PaymentFact.lookupFound(attemptId: attempt.id, answer: outcomes[0], checkDuplicates: inquiry.checksDuplicates)
            return action(payment.id, .asked, try await writer.apply(fact, to: payment.id, current: stored, options: look))
        case .notFound:
            return action(payment.id, .asked, try await writer.apply(.lookupNotFound(attemptId: attempt.id), to: payment.id, current: stored, options: look))
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
        let policy = live.current.lookPolicy(stored)
        let fact = LookSchedule.silentLook(payment, connection: payment.connection ?? stored.lastAttempt?.connection ?? "-", policy: policy,
                                           pspCanSay: pspCanSay, flag: flag)
        if fact == .reconcileGaveUp {
            return action(payment.id, .gaveUp, try await writer.apply(fact, to: payment.id, current: stored, options: look))
        }
        let applied = try await writer.apply(fact, to: payment.id, current: stored, options: look)
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
              let connection = live.current.connections[attempt.connection], connection.adapter.lookup != nil else {
            return try await noNews(stored, look: look, because: "the PSP offers no lookup")
        }
        switch await psp.lookup(.pspPaymentId(pspId), connection: connection, timeoutMs: connection.config.requestTimeoutMs,
                            about: CallSubject(paymentId: payment.id, attemptId: attempt.id)) {
        case .found(let outcomes):
            let fact = PaymentFact.lookupFound(attemptId: attempt.id, answer: outcomes[0])
            return action(payment.id, .asked, try await writer.apply(fact, to: payment.id, current: stored, options: look))
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
        guard let current = try await queue.payment(id: paymentId, merchantId: nil) else { throw GatewayFailure.paymentVanished(paymentId) }
        let look = WriteOptions(isLook: true)
        guard let connection = live.current.connections[refund.connection], let flow = connection.adapter.refundLookup,
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
        return action(paymentId, .refundAsked, try await writer.apply(.refundOutcome(refundId: refund.id, outcome: outcome), to: paymentId,
                                                                current: current, options: look))
    }
}
