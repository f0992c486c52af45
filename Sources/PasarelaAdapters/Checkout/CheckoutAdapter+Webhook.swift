import Foundation
import PasarelaCore

extension CheckoutAdapter {
    /// Verifies `Cko-Signature` (hex HMAC-SHA256 of the raw body with `webhook_secret`) and maps the event type.
    /// The dedupe key is the event's `evt_` id: Checkout delivers at least once and out of order.
    public func parseWebhook(_ message: InboundMessage, context: AdapterContext) throws(WebhookError) -> [PSPEvent] {
        guard let presented = message.header(CheckoutSignature.header) else {
            throw .unauthenticated("missing Cko-Signature header")
        }
        guard CheckoutSignature.verify(presented: presented, body: message.body, key: context.credentials["webhook_secret"]) else {
            throw .unauthenticated("signature does not match")
        }
        guard let event = try? JSONDecoder().decode(CheckoutEvent.self, from: Data(message.body)), event.id.hasPrefix("evt_") else {
            throw .malformed("body is not a Checkout event with an evt_ id, a type and data.id")
        }
        guard let mapped = CheckoutEventType.status(of: event.type) else {
            throw .malformed("unknown Checkout event type '\(event.type.prefix(40))'")
        }
        guard let status = mapped else { return [] }
        return [PSPEvent(pspPaymentId: event.data.id, status: status, pspStatus: event.type, reference: event.data.reference,
                         amount: Self.amount(event.data.amount, event.data.currency), dedupeKey: event.id)]
    }
}
