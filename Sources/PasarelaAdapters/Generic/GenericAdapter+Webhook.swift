import Foundation
import PasarelaCore

extension GenericAdapter {
    /// The body time `webhook.fields.signed_at` names, which the body's signature covers. An event that carries none
    /// (PagoEfectivo's `cip.expired` has no `paymentDate`: nothing was paid) is judged by its dedupe key and the status
    /// order instead; one whose time cannot be read is refused like a stale one.
    public func signedAt(_ message: InboundMessage) -> SignedTime {
        guard let path = descriptor.webhook.signedAt, let json = Self.json(message.body) else { return .absent }
        switch path.value(in: json) {
        case nil, .null?: return .absent
        default:
            guard let text = path.text(in: json) else { return .unreadable("the time at \(path) is not text") }
            return Timestamps.parse(text).map(SignedTime.at) ?? .unreadable(String(text.prefix(40)))
        }
    }

    /// Verifies the declared signature over the raw bytes, then reads the declared fields. An amount that cannot be
    /// read is reported as such (the payment is flagged, not changed); a voucher in the notification is kept.
    public func parseWebhook(_ message: InboundMessage, context: AdapterContext) throws(WebhookError) -> [PSPNotification] {
        let hook = descriptor.webhook
        guard message.header(hook.signature.header) != nil else { throw .unauthenticated("missing \(hook.signature.header) header") }
        guard hook.signature.verify(message, key: credentials.value(hook.keyCredential) ?? "") else {
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
        var action: NextAction?
        if let code = hook.voucherCode.flatMap({ $0.text(in: json) }) {
            action = .displayVoucher(code: code, barcode: nil, voucherURL: hook.voucherURL.flatMap { $0.text(in: json) },
                                     expiresAt: hook.expiresAt.flatMap { $0.text(in: json) }.flatMap(Timestamps.parse))
        }
        return [.payment(PSPEvent(pspPaymentId: pspId, status: status, pspStatus: type, reference: hook.reference.flatMap { $0.text(in: json) },
                                  amount: hook.amount?.read(json) ?? .absent, nextAction: action, dedupeKey: keyParts.joined(separator: ":")))]
    }
}
