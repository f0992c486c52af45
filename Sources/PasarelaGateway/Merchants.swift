import Crypto
import Foundation
import PasarelaAdapters

/// A merchant account as an API key authenticates it.
public struct Merchant: Sendable, Equatable {
    public var id: String
    /// Live keys reach production connections, test keys sandbox ones.
    public var livemode: Bool
    /// The secret that signs this merchant's notifications (`Pasarela-Signature`).
    public var webhookSecret: String?
    /// Where notifications go for payments that name no `notification_url`.
    public var notificationURL: String?

    public init(id: String, livemode: Bool, webhookSecret: String? = nil, notificationURL: String? = nil) {
        self.id = id
        self.livemode = livemode
        self.webhookSecret = webhookSecret
        self.notificationURL = notificationURL
    }
}

/// API keys → merchants. Keys are kept only as SHA-256 digests and matched by digest, so a lookup never
/// compares secret bytes and a dump of this table reveals no key.
public struct MerchantDirectory: Sendable {
    private var byDigest: [String: Merchant] = [:]
    private var byId: [String: Merchant] = [:]

    public init() {}

    /// The key sandbox mode uses when `PASARELA_SANDBOX_API_KEY` is not set.
    public static let defaultSandboxKey = "sk_test_pasarela_sandbox_0000000000000000"

    public mutating func add(key: String, merchant: Merchant) {
        byDigest[Self.digest(key)] = merchant
        byId[merchant.id] = merchant
    }

    /// Sets a merchant's notification secret and default URL.
    public mutating func configure(merchantId: String, webhookSecret: String?, notificationURL: String?) {
        guard var merchant = byId[merchantId] else { return }
        if let webhookSecret { merchant.webhookSecret = webhookSecret }
        if let notificationURL { merchant.notificationURL = notificationURL }
        byId[merchantId] = merchant
        for (digest, value) in byDigest where value.id == merchantId { byDigest[digest] = merchant }
    }

    /// A merchant by id.
    public func merchant(id: String) -> Merchant? { byId[id] }

    /// The sandbox merchant's notification secret when `PASARELA_SANDBOX_WEBHOOK_SECRET` is not set.
    public static let defaultSandboxWebhookSecret = "whsec_pasarela_sandbox_merchant"

    /// The merchant a key belongs to, or `nil`.
    public func merchant(forKey key: String) -> Merchant? {
        guard key.hasPrefix("sk_test_") || key.hasPrefix("sk_live_"), key.count <= 200 else { return nil }
        return byDigest[Self.digest(key)]
    }

    static func digest(_ key: String) -> String { Hex.encode(SHA256.hash(data: Array(key.utf8))) }
}
