import Crypto
import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// What `pasarela merchants` and `pasarela keys` do: merchants, API keys shown once and kept as digests, rolls with an
/// overlap, revocation, and rollable notification secrets.
public struct MerchantAdmin: Sendable {
    let store: any PaymentStore
    let now: @Sendable () -> Date

    public init(store: any PaymentStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case merchantExists(String)
        case noMerchant(String)
        case noKey(String)
        case badInput(String)

        public var description: String {
            switch self {
            case .merchantExists(let id): "a merchant \(id) exists already"
            case .noMerchant(let id): "no merchant \(id.prefix(60)) (pasarela merchants list)"
            case .noKey(let id): "no key \(id.prefix(60)) (pasarela keys list)"
            case .badInput(let message): message
            }
        }
    }

    /// A new key: what is shown once, and what is kept.
    public struct NewKey: Sendable {
        public var secret: String
        public var record: APIKeyRecord
    }

    /// Adds a merchant and its first notification secret (returned, shown once).
    /// - Parameter policy: where notifications may go, as the API checks a payment's `notification_url`.
    public func addMerchant(id: String, name: String?, notificationURL: String?, policy: OutboundPolicy) async throws -> String {
        guard id.count <= 64, !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw Failure.badInput("a merchant id is 1 to 64 letters, digits, _ or -")
        }
        if let notificationURL { try await Self.check(notificationURL, policy: policy) }
        let at = now()
        guard try await store.addMerchant(MerchantRecord(id: id, name: name ?? id, notificationURL: notificationURL, createdAt: at)) else {
            throw Failure.merchantExists(id)
        }
        let secret = Identifier.secret("whsec")
        try await store.addSecret(merchantId: id, secret: secret, createdAt: at)
        return secret
    }

    /// Changes a merchant's name and notification URL: `clearURL` removes it (payments then need their own).
    public func updateMerchant(id: String, name: String?, notificationURL: String?, clearURL: Bool = false,
                               policy: OutboundPolicy) async throws -> MerchantRecord {
        guard var merchant = try await store.merchant(id: id) else { throw Failure.noMerchant(id) }
        if let name {
            guard (1...200).contains(name.count) else { throw Failure.badInput("--name is 1 to 200 characters") }
            merchant.name = name
        }
        if let notificationURL {
            try await Self.check(notificationURL, policy: policy)
            merchant.notificationURL = notificationURL
        } else if clearURL {
            merchant.notificationURL = nil
        }
        guard try await store.updateMerchant(id: id, name: merchant.name, notificationURL: merchant.notificationURL) else {
            throw Failure.noMerchant(id)
        }
        return merchant
    }

    /// A merchant's notification URL, checked as the API checks a payment's: an absolute http(s) URL that the outbound
    /// policy lets Pasarela call (scheme, host, and where the host resolves now, in production).
    static func check(_ url: String, policy: OutboundPolicy) async throws {
        guard url.unicodeScalars.count <= 2048, let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "https" || scheme == "http", let host = parsed.host, !host.isEmpty else {
            throw Failure.badInput("--notification-url must be an absolute http or https URL.")
        }
        if let reason = await policy.refusal(url) { throw Failure.badInput("--notification-url is not allowed: \(reason).") }
    }

    /// A new notification secret; the old ones keep signing (beside it) until `overlap` ends.
    public func rollSecret(merchantId: String, overlap: TimeInterval) async throws -> String {
        guard try await store.merchant(id: merchantId) != nil else { throw Failure.noMerchant(merchantId) }
        let at = now()
        let secret = Identifier.secret("whsec")
        try await store.endSecrets(merchantId: merchantId, before: at, at: at.addingTimeInterval(overlap))
        try await store.addSecret(merchantId: merchantId, secret: secret, createdAt: at)
        return secret
    }

    public func createKey(merchantId: String, mode: String) async throws -> NewKey {
        guard mode == "test" || mode == "live" else { throw Failure.badInput("--mode is test or live") }
        guard try await store.merchant(id: merchantId) != nil else { throw Failure.noMerchant(merchantId) }
        let secret = Identifier.secret("sk_\(mode)", length: 32)
        let record = APIKeyRecord(id: Identifier.make("key"), merchantId: merchantId, mode: mode, digest: MerchantDirectory.digest(secret),
                                  prefix: String(secret.prefix(12)), createdAt: now())
        try await store.addKey(record)
        return NewKey(secret: secret, record: record)
    }

    /// Stops a key now.
    public func revokeKey(id: String) async throws {
        guard try await store.endKey(id: id, at: now(), revoked: true) else { throw Failure.noKey(id) }
    }

    /// A new key for the same merchant and mode; the old one keeps working until `overlap` ends.
    public func rollKey(id: String, overlap: TimeInterval) async throws -> NewKey {
        guard let old = try await store.key(id: id), old.isValid(at: now()) else { throw Failure.noKey(id) }
        let new = try await createKey(merchantId: old.merchantId, mode: old.mode)
        _ = try await store.endKey(id: id, at: now().addingTimeInterval(overlap), revoked: false)
        return new
    }
}
