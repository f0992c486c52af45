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
    /// The create's answer was lost and its connection can neither find a payment by Pasarela's reference nor take the
    /// create again safely: whether the PSP holds the payment cannot be asked, only looked up by a person.
    case outcomeUnknowable(connection: String, reference: String)
    /// The create's answer was lost and its PSP, which can say, has not answered the reconciler's looks: it may hold the
    /// payment, so Pasarela keeps asking instead of ending it.
    case pspNotAnswering(connection: String)

    public var code: String {
        switch self {
        case .amountMismatch: "amount_mismatch"
        case .amountUnreadable: "amount_unreadable"
        case .paidAfterEnd: "paid_after_end"
        case .earlierAttemptReported: "earlier_attempt_reported"
        case .refundAmountMismatch: "refund_amount_mismatch"
        case .outcomeUnknowable: "outcome_unknowable"
        case .pspNotAnswering: "psp_not_answering"
        }
    }

    /// Whether the reason only says the outcome is not known yet: the flag goes once the payment moves.
    public var clearsWhenSettled: Bool {
        switch self {
        case .outcomeUnknowable, .pspNotAnswering: true
        case .amountMismatch, .amountUnreadable, .paidAfterEnd, .earlierAttemptReported, .refundAmountMismatch: false
        }
    }

    public var message: String {
        switch self {
        case .amountMismatch(let expected, let reported): "The PSP reports \(reported) but the payment is \(expected)."
        case .amountUnreadable: "The PSP's amount could not be read, so the notification was not applied."
        case .paidAfterEnd(let status): "The PSP reports the payment paid after it ended \(status.rawValue)."
        case .earlierAttemptReported(let attempt, let status): "The PSP reports \(status.rawValue) for attempt \(attempt), which did not take the payment."
        case .refundAmountMismatch(let refund, let expected, let reported): "The PSP reports \(reported) for refund \(refund) of \(expected)."
        case .outcomeUnknowable(let connection, let reference):
            "\(connection)'s answer was lost, and \(connection) can neither find a payment by Pasarela's reference nor take the create again safely: look for reference \(reference) in \(connection)'s dashboard. A notification from \(connection) still settles the payment."
        case .pspNotAnswering(let connection):
            "\(connection)'s answer was lost and \(connection) has not answered the reconciler's looks since: it may hold the payment, so Pasarela keeps asking. Check the connection (GET /v1/connections, pasarela doctor)."
        }
    }
}
