import Crypto
import Foundation
import PasarelaAdapters

/// A merchant account as an API key authenticates it.
public struct Merchant: Sendable, Equatable {
    public var id: String
    /// Live keys reach production connections, test keys sandbox ones.
    public var livemode: Bool
    public init(id: String, livemode: Bool) {
        self.id = id
        self.livemode = livemode
    }
}

/// API keys → merchants. Keys are kept only as SHA-256 digests and matched by digest, so a lookup never
/// compares secret bytes and a dump of this table reveals no key.
public struct MerchantDirectory: Sendable {
    private var byDigest: [String: Merchant] = [:]

    public init() {}

    /// The key sandbox mode uses when `PASARELA_SANDBOX_API_KEY` is not set.
    public static let defaultSandboxKey = "sk_test_pasarela_sandbox_0000000000000000"

    public mutating func add(key: String, merchant: Merchant) {
        byDigest[Self.digest(key)] = merchant
    }

    /// The merchant a key belongs to, or `nil`.
    public func merchant(forKey key: String) -> Merchant? {
        guard key.hasPrefix("sk_test_") || key.hasPrefix("sk_live_"), key.count <= 200 else { return nil }
        return byDigest[Self.digest(key)]
    }

    static func digest(_ key: String) -> String { Hex.encode(SHA256.hash(data: Array(key.utf8))) }
}
