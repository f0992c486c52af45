/// dLocal's `V2-HMAC-SHA256` scheme (PSP-PROTOCOLS.md 1.3): lower-case hex of
/// HMAC-SHA256(secretKey, X-Login + X-Date + body), sent as `Authorization: V2-HMAC-SHA256, Signature: <hex>`.
/// Notifications are signed the same way (1.10).
public enum DLocalSignature {
    public static let prefix = "V2-HMAC-SHA256"

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
        let parts = header.split(separator: ",", maxSplits: 1).map { $0.trimmingSpaces }
        guard parts.count == 2, parts[0].uppercased() == prefix else { return nil }
        let pair = parts[1].split(separator: ":", maxSplits: 1).map { $0.trimmingSpaces }
        guard pair.count == 2, pair[0].lowercased() == "signature", !pair[1].isEmpty else { return nil }
        return pair[1]
    }

    /// Whether the `Authorization` header carries the right signature, compared in constant time.
    public static func verify(authorization header: String, login: String, date: String, body: [UInt8], secretKey: String) -> Bool {
        guard let presented = presentedSignature(in: header) else { return false }
        return HMACSHA256.verify(presentedHex: presented, key: secretKey, parts: [Array(login.utf8), Array(date.utf8), body])
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
