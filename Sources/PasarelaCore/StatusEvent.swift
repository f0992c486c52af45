/// The unified event types merchants receive, one per applied status change.
public enum StatusEventType: String, Sendable, CaseIterable {
    case requiresAction = "payment.requires_action"
    case processing = "payment.processing"
    case authorized = "payment.authorized"
    case succeeded = "payment.succeeded"
    case failed = "payment.failed"
    case expired = "payment.expired"
    case canceled = "payment.canceled"
    /// A cancel or void the PSP had accepted was declined: the payment stays as it was (the event says why).
    case cancelFailed = "payment.cancel_failed"
    case refundPending = "refund.pending"
    case refundSucceeded = "refund.succeeded"
    case refundFailed = "refund.failed"

    /// The event announcing that a payment reached `status`.
    public init(status: PaymentStatus) {
        switch status {
        case .requiresAction: self = .requiresAction
        case .processing: self = .processing
        case .authorized: self = .authorized
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        case .expired: self = .expired
        case .canceled: self = .canceled
        }
    }
}

extension StatusEventType {
    /// The event announcing that a refund reached `status`.
    public init(refund status: RefundStatus) {
        switch status {
        case .pending: self = .refundPending
        case .succeeded: self = .refundSucceeded
        case .failed: self = .refundFailed
        }
    }
}
