/// dLocal's `V2-HMAC-SHA256` scheme (PSP-PROTOCOLS.md 1.3): lower-case hex of
/// HMAC-SHA256(secretKey, X-Login + X-Date + body), sent as `Authorization: V2-HMAC-SHA256, Signature: <hex>`.
/// Notifications are signed the same way (1.10).
public enum DLocalSignature {
    public static let prefix: StaticString = "V2-HMAC-SHA256"

    /// The hex signature of one request or notification.
    /// - Parameters:
    ///   - login: the merchant's X-Login.
    ///   - date: the X-Date header value, byte-identical to what is sent.
    ///   - body: the exact body bytes; empty for GET.
    ///   - secretKey: the secret key (not the X-Trans-Key).
    public static func signature(login: String, date: String, body: [UInt8], secretKey: String) -> String {
        HMACSHA256.hex(key: secretKey, parts: [Array(login.utf8), Array(date.utf8), body])
    }

    /// The full `Authorization` header value.
    public static func authorization(login: String, date: String, body: [UInt8], secretKey: String) -> String {
        "\(prefix), Signature: \(signature(login: login, date: date, body: body, secretKey: secretKey))"
    }

    /// The hex signature inside an `Authorization` header, read tolerantly: `V2-HMAC-SHA256, Signature: <hex>`
    /// with any case and spacing. `nil` when the header is not of that form.
    public static func presentedSignature(in header: String) -> String? {
        // Read over the UTF-8 bytes: this runs on every notification, duplicates included.
        var header = header
        return header.withUTF8 { bytes -> String? in
            guard let comma = bytes.firstIndex(of: UInt8(ascii: ",")) else { return nil }
            let scheme = trimmed(bytes, 0, comma)
            guard equalsIgnoringCase(bytes, scheme, prefix) else { return nil }
            guard let colon = bytes[(comma + 1)...].firstIndex(of: UInt8(ascii: ":")) else { return nil }
            let name = trimmed(bytes, comma + 1, colon)
            let value = trimmed(bytes, colon + 1, bytes.count)
            guard equalsIgnoringCase(bytes, name, "signature"), !value.isEmpty else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[value]), as: UTF8.self)
        }
    }

    /// `start..<end` without the spaces and tabs at either end.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Range<Int> {
        var lower = start, upper = end
        while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x09 { lower += 1 }
        while upper > lower, bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09 { upper -= 1 }
        return lower..<upper
    }

    /// Whether the bytes in `range` spell `word` (ASCII) in any case.
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ word: StaticString) -> Bool {
        guard range.count == word.utf8CodeUnitCount else { return false }
        let expected = word.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] | 0x20 != expected[offset] | 0x20 { return false }
        return true
    }

    /// Whether the `Authorization` header carries the right signature, compared in constant time.
    public static func verify(authorization header: String, login: String, date: String, body: [UInt8], secretKey: String) -> Bool {
        guard let presented = presentedSignature(in: header) else { return false }
        return HMACSHA256.verify(presentedHex: presented, key: secretKey, parts: [Array(login.utf8), Array(date.utf8), body])
    }
}
