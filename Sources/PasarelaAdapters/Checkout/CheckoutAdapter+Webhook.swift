import Foundation
import PasarelaCore

extension CheckoutAdapter {
    /// The event's `created_on` (older events: `timestamp`), inside the signed body: an old event replayed with a new
    /// `evt_` id is refused like a stale dLocal notification. An event with neither is judged by its id and the status
    /// order.
    public func signedAt(_ message: InboundMessage) -> SignedTime {
        guard let json = try? JSONFields.parse(message.body) else { return .absent }
        let stated: String?
        do { stated = try json.string("created_on") ?? json.string("timestamp") } catch { return .unreadable("created_on is not text") }
        guard let text = stated else { return .absent }
        return Timestamps.parse(text).map(SignedTime.at) ?? .unreadable(String(text.prefix(40)))
    }

    /// Verifies `Cko-Signature` (hex HMAC-SHA256 of the raw body with `webhook_secret`) and reads the event: a payment
    /// status, a refund (`payment_refunded`, `payment_refund_pending`, `payment_refund_declined`, matched by the refund
    /// action's id or our reference), a declined capture, or a declined void. The dedupe key is the event's `evt_` id: Checkout delivers at
    /// least once and out of order.
    public func parseWebhook(_ message: InboundMessage, context: AdapterContext) throws(WebhookError) -> [PSPNotification] {
        guard let presented = message.header(CheckoutSignature.header) else {
            throw .unauthenticated("missing Cko-Signature header")
        }
        guard CheckoutSignature.verify(presented: presented, body: message.body, key: credentials.webhookSecret) else {
            throw .unauthenticated("signature does not match")
        }
        guard let event = CheckoutEvent.read(message.body), event.id.hasPrefix("evt_") else {
            throw .malformed("body is not a Checkout event with an evt_ id, a type and data.id")
        }
        let data = event.data
        let amount = Self.amount(data.amount, data.currency)
        let refund: RefundOutcome.Result? = switch event.type {
        case "payment_refunded": .succeeded
        case "payment_refund_pending": .pending
        case "payment_refund_declined": .failed
        default: nil
        }
        if let refund {
            let outcome = RefundOutcome(result: refund, pspRefundId: data.actionId, pspStatus: event.type, amount: amount,
                                        errorCode: refund == .failed ? data.responseCode : nil,
                                        errorMessage: refund == .failed ? data.responseSummary : nil)
            return [.refund(RefundEvent(pspPaymentId: data.id, pspRefundId: data.actionId, reference: data.reference, outcome: outcome,
                                        dedupeKey: event.id))]
        }
        if event.type == "payment_capture_declined" {
            return [.captureDeclined(pspPaymentId: data.id, reference: data.reference, dedupeKey: event.id)]
        }
        if event.type == "payment_void_declined" {
            let reason = "Checkout declined the void (\(data.responseCode ?? "no code"): \(data.responseSummary ?? "no reason given"))"
            return [.cancelDeclined(pspPaymentId: data.id, reference: data.reference, reason: reason, dedupeKey: event.id)]
        }
        guard let mapped = CheckoutEventType.status(of: event.type) else {
            throw .malformed("unknown Checkout event type '\(event.type.prefix(40))'")
        }
        guard let status = mapped else { return [] }
        return [.payment(PSPEvent(pspPaymentId: data.id, status: status, pspStatus: event.type, reference: data.reference,
                                  amount: amount, dedupeKey: event.id))]
    }
}
