/// Why a payment is flagged for an operator instead of being changed by what a PSP said.
public enum ReviewReason: Sendable, Hashable, Codable {
    /// The PSP reports another amount or currency than the payment's.
    case amountMismatch(expected: Money, reported: Money)
    /// The PSP's amount could not be read, so it could not be checked.
    case amountUnreadable
    /// The PSP reports the payer paid a payment that ended otherwise with the PSP's confirmation (canceled, declined).
    case paidAfterEnd(PaymentStatus)
    /// The PSP reports a status for an attempt that is not the one that took the payment.
    case earlierAttemptReported(attemptId: String, status: PaymentStatus)
    /// The PSP reports another amount for a refund than the one asked for.
    case refundAmountMismatch(refundId: String, expected: Money, reported: Money)

    public var code: String {
        switch self {
        case .amountMismatch: "amount_mismatch"
        case .amountUnreadable: "amount_unreadable"
        case .paidAfterEnd: "paid_after_end"
        case .earlierAttemptReported: "earlier_attempt_reported"
        case .refundAmountMismatch: "refund_amount_mismatch"
        }
    }

    public var message: String {
        switch self {
        case .amountMismatch(let expected, let reported): "The PSP reports \(reported) but the payment is \(expected)."
        case .amountUnreadable: "The PSP's amount could not be read, so the notification was not applied."
        case .paidAfterEnd(let status): "The PSP reports the payment paid after it ended \(status.rawValue)."
        case .earlierAttemptReported(let attempt, let status): "The PSP reports \(status.rawValue) for attempt \(attempt), which did not take the payment."
        case .refundAmountMismatch(let refund, let expected, let reported): "The PSP reports \(reported) for refund \(refund) of \(expected)."
        }
    }
}
