import Foundation

extension PaymentMachine.Draft {
    /// A refund's status as its PSP reports it: pending → succeeded or failed, never back. An amount that disagrees
    /// flags the payment instead.
    mutating func settleRefund(_ id: String, _ outcome: RefundOutcome) {
        guard let index = stored.refunds.firstIndex(where: { $0.id == id }) else { return keep(.unknownRefund(id)) }
        var refund = stored.refunds[index]
        if case .exact(let reported) = outcome.amount, reported != refund.amount {
            return flag(.refundAmountMismatch(refundId: id, expected: refund.amount, reported: reported))
        }
        if refund.pspRefundId == nil { refund.pspRefundId = outcome.pspRefundId }
        let target: RefundStatus? = switch outcome.result {
        case .succeeded: .succeeded
        case .failed: .failed
        case .pending, .unknown: nil
        }
        if let target, refund.status.isFinal, target != refund.status {
            stored.refunds[index] = refund
            return keep(.refundFinal(refund.status))
        }
        if let target, target != refund.status {
            refund.status = target
            refund.pspStatus = outcome.pspStatus ?? refund.pspStatus
            if target == .failed {
                refund.errorCode = outcome.errorCode
                refund.errorMessage = outcome.errorMessage.map { String($0.prefix(500)) }
            }
            stored.refunds[index] = refund
            announce(refund: id, target)
            verdict = .recorded
            return
        }
        if outcome.pspStatus != nil, !refund.status.isFinal { refund.pspStatus = outcome.pspStatus }
        let learnt = refund != stored.refunds[index]
        stored.refunds[index] = refund
        if !learnt { keep(refund.status.isFinal ? .refundFinal(refund.status) : .nothingLearnt) }
    }

    mutating func announce(refund id: String, _ status: RefundStatus) {
        refundEvents.append(RefundAnnouncement(type: StatusEventType(refund: status), refundId: id))
    }

    /// An authorized payment captured for `amount`: it succeeds.
    mutating func capture(_ amount: Money) {
        payment.pendingCapture = nil
        payment.amountCaptured = amount == payment.request.amount ? nil : amount
        move(to: .succeeded, failure: nil)
    }
}
