import PasarelaCore

/// Checkout.com payment statuses (2.5). Exhaustive: a new status fails to compile until mapped.
enum CheckoutStatus: String {
    case pending = "Pending"
    case authorized = "Authorized"
    case cardVerified = "Card Verified"
    case voided = "Voided"
    case partiallyCaptured = "Partially Captured"
    case captured = "Captured"
    case partiallyRefunded = "Partially Refunded"
    case refunded = "Refunded"
    case declined = "Declined"
    case canceled = "Canceled"
    case expired = "Expired"
    case paid = "Paid"
    case active = "Active"
    case requested = "Requested"
    case authenticationRequested = "Authentication Requested"
    case retryScheduled = "Retry Scheduled"

    /// The unified status; pending ones need the payer when there is a redirect.
    func unified(payerMustAct: Bool) -> PaymentStatus {
        switch self {
        case .pending, .authenticationRequested: payerMustAct ? .requiresAction : .processing
        case .active, .requested, .retryScheduled: .processing
        case .authorized: .authorized
        case .cardVerified, .partiallyCaptured, .captured, .paid, .partiallyRefunded, .refunded: .succeeded
        case .declined: .failed
        case .voided, .canceled: .canceled
        case .expired: .expired
        }
    }

    var attemptOutcome: AttemptOutcome { AttemptOutcome(status: unified(payerMustAct: false)) }

    /// Response code ranges (CKO-RC): 20xxx soft, 30xxx hard, 40xxx risk.
    static func declineClass(responseCode: String?) -> DeclineClass {
        switch responseCode?.first {
        case "3": .hard
        case "4": .risk
        default: .soft
        }
    }
}

/// Webhook event types (2.7) and what they mean for a payment; `nil` means no payment status change.
enum CheckoutEventType {
    static func status(of type: String) -> PaymentStatus?? {
        switch type {
        // Pending restates what the create answer said (the payer must act, or the PSP is working): no change.
        case "payment_pending", "payment_capture_pending": .some(nil)
        case "payment_approved", "payment_authorized": .some(.authorized)
        case "payment_captured", "payment_paid", "card_verified": .some(.succeeded)
        case "payment_declined", "payment_authentication_failed", "card_verification_declined": .some(.failed)
        case "payment_expired": .some(.expired)
        case "payment_canceled", "payment_voided": .some(.canceled)
        // Refund, capture-decline and void-decline events are read apart (CheckoutAdapter+Webhook); these move nothing.
        case "payment_retry_scheduled", "payment_returned":
            .some(nil)
        default: nil
        }
    }
}
