import Foundation
import PasarelaCore

extension GenericAdapter {
    /// Verifies the declared signature over the raw bytes, then reads the declared fields.
    public func parseWebhook(_ message: InboundMessage, context: AdapterContext) throws(WebhookError) -> [PSPEvent] {
        let hook = descriptor.webhook
        guard message.header(hook.signature.header) != nil else { throw .unauthenticated("missing \(hook.signature.header) header") }
        guard hook.signature.verify(message, key: context.credentials[hook.keyCredential]) else {
            throw .unauthenticated("signature does not match")
        }
        guard let json = Self.json(message.body) else { throw .malformed("body is not JSON") }
        guard let type = hook.eventType.text(in: json) else { throw .malformed("no event type at \(hook.eventType)") }
        guard let pspId = hook.pspPaymentId.text(in: json) else { throw .malformed("no payment id at \(hook.pspPaymentId)") }
        var keyParts: [String] = []
        for path in hook.dedupeKey {
            guard let part = path.text(in: json) else { throw .malformed("no dedupe key part at \(path)") }
            keyParts.append(part)
        }
        // An event type the file does not map is acknowledged and changes nothing.
        guard let mapped = descriptor.statusMap[type], let status = mapped else { return [] }
        var amount: Money?
        if let amountPath = hook.amount, let text = amountPath.text(in: json) {
            let code = hook.currency.flatMap { $0.text(in: json) }
            guard let code, let currency = Currency(code: code) else { throw .malformed("amount without a known currency") }
            amount = hook.amountInMinorUnits ? Int64(text).map { Money(minorUnits: $0, currency: currency) }
                                             : Money(majorUnits: text, currency: currency)
            guard amount != nil else { throw .malformed("amount '\(text.prefix(20))' is not a number") }
        }
        return [PSPEvent(pspPaymentId: pspId, status: status, pspStatus: type, reference: hook.reference.flatMap { $0.text(in: json) },
                         amount: amount, dedupeKey: keyParts.joined(separator: ":"))]
    }
}
