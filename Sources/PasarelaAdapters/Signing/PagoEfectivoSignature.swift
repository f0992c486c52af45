/// PagoEfectivo's two schemes (PSP-PROTOCOLS.md 3.2, 3.4).
public enum PagoEfectivoSignature {
    public static let header = "PE-Signature"

    /// The token request's `hashString`: lower-case hex of plain SHA-256 (not HMAC) of
    /// `idService.accessKey.secretKey.dateRequest`, with `dateRequest` in Lima time.
    public static func tokenHash(idService: String, accessKey: String, secretKey: String, dateRequest: String) -> String {
        SHA256Hex.of("\(idService).\(accessKey).\(secretKey).\(dateRequest)")
    }

    /// `PE-Signature` for a callback body: lower-case hex HMAC-SHA256(secretKey, raw body).
    public static func signature(body: [UInt8], secretKey: String) -> String {
        HMACSHA256.hex(key: secretKey, parts: [body])
    }

    /// Whether `presented` signs `body`, compared in constant time.
    public static func verify(presented: String, body: [UInt8], secretKey: String) -> Bool {
        HMACSHA256.verify(presentedHex: presented.trimmingCharacters(), key: secretKey, parts: [body])
    }
}
