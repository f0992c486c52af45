import Foundation
import PasarelaCore

/// Why a merchant's command was not carried out, as the domain sees it. The server maps each to its HTTP answer in one
/// place (``HTTPMapping``); an idempotency key keeps the answer or is freed by ``freesKey``, never by reading a string.
public enum CommandError: Error, Sendable, Equatable {
    /// No such object of the merchant's: `payment`, `refund`, `event`, `attempt`; `param` when the id came in one.
    case notFound(String, id: String, param: String? = nil)
    /// The key's first request is still running (the payment it made, for a create).
    case keyInFlight(paymentId: String?)
    /// The key came with another request (`body`: the create's wording).
    case keyReused(body: Bool)
    /// A `notification_url` the outbound policy refuses.
    case notificationURLRefused(String)
    /// No connection can carry the payment: what it is, the rule, and why each target was skipped.
    case noConnection(method: String, country: String, currency: String, rule: String, reasons: String)
    /// Every connection for the payment is paused by its breaker.
    case connectionsPaused(String)
    case cancelRefused(CancelRefusal, Payment)
    case captureRefused(CaptureRefusal, Payment)
    case refundRefused(RefundRefusal, Payment)
    /// Refund bank details the payer's bank would refuse.
    case bankAccountInvalid(field: String, message: String)
    /// The PSP refused the cancel or void.
    case cancelRefusedByPSP(connection: String, code: String?, message: String)
    /// The PSP gave no answer to the cancel: nothing changed.
    case cancelUnconfirmed(connection: String, message: String)
    /// The PSP refused the capture; the payment stays authorized.
    case captureRefusedByPSP(connection: String, code: String?, message: String?)
    /// An event to send again has nowhere to go.
    case noNotificationURL

    /// Whether the command's idempotency key is freed for a retry instead of keeping this answer: the outcome is not
    /// known yet, or nothing happened for a reason that passes.
    public var freesKey: Bool {
        switch self {
        case .cancelRefused(.outcomeUnknown, _), .cancelUnconfirmed, .connectionsPaused: true
        default: false
        }
    }
}
