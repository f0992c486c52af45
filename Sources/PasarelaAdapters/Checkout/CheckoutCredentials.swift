import Foundation

/// Checkout.com's credentials: `secret_key` (sent as `Authorization: Bearer`), `webhook_secret` (the `Cko-Signature`
/// key), and optionally `processing_channel_id`.
public struct CheckoutCredentials: Sendable {
    public var secretKey: String
    public var webhookSecret: String
    public var processingChannelId: String?

    public init(secretKey: String, webhookSecret: String, processingChannelId: String? = nil) {
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
        self.processingChannelId = processingChannelId
    }

    public init(_ declared: DeclaredCredentials) throws(CredentialProblem) {
        let channel = declared.value("processing_channel_id")
        self.init(secretKey: try declared.required("secret_key"), webhookSecret: try declared.required("webhook_secret"),
                  processingChannelId: channel?.isEmpty == false ? channel : nil)
    }
}

extension AdapterKind {
    public static let checkout = AdapterKind(name: "checkout",
                                             credentials: .fixed(required: ["secret_key", "webhook_secret"], optional: ["processing_channel_id"])) {
        credentials, _ throws(CredentialProblem) in CheckoutAdapter(credentials: try CheckoutCredentials(credentials))
    }
}
