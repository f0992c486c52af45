/// Why a payment ended without the payer's money moving: a typed reason that becomes the payment's `failure.code`,
/// a metric label and a log field. Never matched by text.
public enum PaymentFailure: Sendable, Hashable {
    /// The PSP declined the payment (insufficient funds, stolen card, risk).
    case declined(DeclineClass)
    /// The last PSP tried refused or failed the request and created nothing.
    case notCreated(FailureClass)
    /// No connection could be tried when the payment was attempted (every breaker open or probe taken).
    case noConnectionAvailable
    /// Pasarela stopped after storing the payment and before any PSP heard of it.
    case interruptedBeforePSP
    /// A status lookup found that the PSP never received the payment.
    case pspNeverReceived
    /// The reconciler asked the PSP as many times as its connection allows and never learnt the outcome.
    /// A genuine payment notification later still turns the payment `succeeded` (flagged `late_payment`).
    case unresolved
    /// The PSP reported the payment canceled.
    case canceledAtPSP
    /// The PSP reported the payment expired.
    case expiredAtPSP
    /// The voucher passed its `expires_at` unpaid.
    case voucherExpired
    /// The merchant canceled it (`POST /v1/payments/{id}/cancel`) and the PSP confirmed.
    case canceledByMerchant

    /// The stable code merchants and metrics see.
    public var code: String {
        switch self {
        case .declined: "payment_declined"
        case .notCreated: "psp_refused"
        case .noConnectionAvailable: "no_connection_available"
        case .interruptedBeforePSP: "interrupted_before_psp"
        case .pspNeverReceived: "psp_never_received"
        case .unresolved: "outcome_unresolved"
        case .canceledAtPSP: "canceled_at_psp"
        case .expiredAtPSP: "expired_at_psp"
        case .voucherExpired: "voucher_expired"
        case .canceledByMerchant: "canceled_by_merchant"
        }
    }

    /// The associated class, when the case has one (`soft`, `http_5xx`...).
    public var detail: String? {
        switch self {
        case .declined(let decline): decline.rawValue
        case .notCreated(let failure): failure.rawValue
        default: nil
        }
    }

    /// A sentence for people.
    public var message: String {
        switch self {
        case .declined(let decline): "The PSP declined the payment (\(decline.rawValue) decline)."
        case .notCreated(let failure): "No PSP took the payment; the last one tried failed with \(failure.rawValue)."
        case .noConnectionAvailable: "No connection could take the payment when it was tried."
        case .interruptedBeforePSP: "Pasarela stopped before any PSP was asked; nothing was charged."
        case .pspNeverReceived: "The PSP says it never received the payment; nothing was charged."
        case .unresolved: "The PSP never confirmed the outcome; a later payment notification still counts."
        case .canceledAtPSP: "The PSP reports the payment canceled."
        case .expiredAtPSP: "The PSP reports the payment expired."
        case .voucherExpired: "The voucher expired unpaid."
        case .canceledByMerchant: "The merchant canceled the payment."
        }
    }

    /// Rebuilds a stored reason from ``code`` and ``detail``.
    public init?(code: String, detail: String?) {
        switch code {
        case "payment_declined": guard let decline = detail.flatMap(DeclineClass.init(rawValue:)) else { return nil }
            self = .declined(decline)
        case "psp_refused": guard let failure = detail.flatMap(FailureClass.init(rawValue:)) else { return nil }
            self = .notCreated(failure)
        case "no_connection_available": self = .noConnectionAvailable
        case "interrupted_before_psp": self = .interruptedBeforePSP
        case "psp_never_received": self = .pspNeverReceived
        case "outcome_unresolved": self = .unresolved
        case "canceled_at_psp": self = .canceledAtPSP
        case "expired_at_psp": self = .expiredAtPSP
        case "voucher_expired": self = .voucherExpired
        case "canceled_by_merchant": self = .canceledByMerchant
        default: return nil
        }
    }

    /// Whether a genuine notification that the payer paid may still turn a payment that ended this way `succeeded`:
    /// Pasarela ended it on its own, without the PSP confirming that nothing can be paid any more.
    public var allowsLatePayment: Bool {
        switch self {
        case .unresolved, .pspNeverReceived, .voucherExpired, .expiredAtPSP: true
        default: false
        }
    }
}
