/// The merchant's view of a payment. Transitions follow ``PaymentStatus/allowedNext``; terminal states never change.
public enum PaymentStatus: String, Sendable, Codable, CaseIterable {
    /// The payer must act: pay a voucher, follow a redirect.
    case requiresAction = "requires_action"
    /// A PSP is working on it, or its outcome is not known yet.
    case processing
    /// Funds are held (cards with deferred capture).
    case authorized
    case succeeded
    case failed
    case canceled
    case expired

    /// The explicit transition table: which states a payment may move to from this one.
    public var allowedNext: Set<PaymentStatus> {
        switch self {
        case .processing: [.requiresAction, .authorized, .succeeded, .failed, .canceled, .expired]
        case .requiresAction: [.processing, .authorized, .succeeded, .failed, .canceled, .expired]
        case .authorized: [.succeeded, .failed, .canceled, .expired]
        case .succeeded, .failed, .canceled, .expired: []
        }
    }

    /// Whether no further change is possible.
    public var isTerminal: Bool { allowedNext.isEmpty }

    /// Whether a move to `next` is allowed. Staying in the same state is not a transition.
    public func canMove(to next: PaymentStatus) -> Bool { allowedNext.contains(next) }
}

/// How one PSP attempt ended, from the gateway's point of view.
public enum AttemptOutcome: String, Sendable, Codable {
    /// The PSP took the payment and it is paid.
    case succeeded
    /// The PSP took the payment and it waits for the payer or the PSP.
    case pending
    /// The PSP refused the payment (insufficient funds, risk...).
    case declined
    /// The PSP did not create a payment.
    case failed
    /// Nobody knows yet whether the PSP created a payment (timeout after sending, unreadable answer).
    case unknown

    /// How an attempt stands once the PSP reports its payment in `status`.
    public init(status: PaymentStatus) {
        switch status {
        case .succeeded: self = .succeeded
        case .failed: self = .declined
        case .canceled, .expired: self = .failed
        case .requiresAction, .processing, .authorized: self = .pending
        }
    }
}

/// How final a decline is.
public enum DeclineClass: String, Sendable, Codable {
    /// May succeed elsewhere or later (do not honour, issuer unavailable).
    case soft
    /// Will not succeed anywhere (stolen card, closed account).
    case hard
    /// Refused by a fraud check.
    case risk
}

/// Why an attempt did not create a payment; routing decides which classes fail over.
public enum FailureClass: String, Sendable, Codable, CaseIterable {
    case timeout
    case connectionError = "connection_error"
    case http5xx = "http_5xx"
    case rateLimited = "rate_limited"
    case softDecline = "soft_decline"
    /// The PSP refused the request itself (bad credentials, a field it rejects): another PSP may still take it.
    case rejected
    /// The PSP answered something Pasarela could not read.
    case invalidResponse = "invalid_response"
}
