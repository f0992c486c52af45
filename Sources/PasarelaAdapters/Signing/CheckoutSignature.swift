/// Checkout.com webhooks (PSP-PROTOCOLS.md 2.7): `Cko-Signature` is the lower-case hex HMAC-SHA256 of the raw body,
/// keyed with the webhook's signature key. Requests carry `Authorization: Bearer <secret key>` (NAS).
public enum CheckoutSignature {
    public static let header = "Cko-Signature"

    /// The `Cko-Signature` value for `body`.
    public static func signature(body: [UInt8], key: String) -> String {
        HMACSHA256.hex(key: key, parts: [body])
    }

    /// Whether `presented` is the signature of `body`, compared in constant time.
    public static func verify(presented: String, body: [UInt8], key: String) -> Bool {
        HMACSHA256.verify(presentedHex: presented.trimmingCharacters(), key: key, parts: [body])
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (read over the UTF-8 bytes).
    func trimmingCharacters() -> String {
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
              let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        if first == bytes.startIndex, bytes.index(after: last) == bytes.endIndex { return self }
        return String(self[first...last])
    }
}
