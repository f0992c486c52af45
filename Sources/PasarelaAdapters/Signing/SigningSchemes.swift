/// The registry of signing schemes, by the names adapter files use.
public enum SigningSchemes {
    /// Request signing, one per adapter kind.
    public static let requestSchemes: [String: String] = [
        "dlocal": "V2-HMAC-SHA256 over X-Login + X-Date + body (DLocalSignature)",
        "checkout": "Authorization: Bearer secret key; Cko-Idempotency-Key per attempt",
        "pagoefectivo-token": "SHA-256 of idService.accessKey.secretKey.dateRequest (PagoEfectivoSignature.tokenHash)",
    ]

    /// Webhook schemes a generic adapter file may name under `webhook.signature.scheme`.
    public static let webhookSchemes: [String: ConfigurableHMAC.Encoding] = [
        "hmac-sha256-hex": .hex,
        "hmac-sha256-base64": .base64,
    ]
}
