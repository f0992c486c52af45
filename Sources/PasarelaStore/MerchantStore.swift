import Foundation

/// Merchants, their API keys (kept only as SHA-256 digests) and their notification secrets. Promises: one merchant
/// per id and one key per digest (unique constraints); a revoked or expired key is never returned as valid.
public protocol MerchantStore: Sendable {
    /// - Returns: `false` when a merchant with that id exists.
    func addMerchant(_ merchant: MerchantRecord) async throws -> Bool
    func merchants() async throws -> [MerchantRecord]
    /// Changes a merchant's name and notification URL (`nil` clears it).
    /// - Returns: `false` for an unknown merchant.
    func updateMerchant(id: String, name: String, notificationURL: String?) async throws -> Bool
    func merchant(id: String) async throws -> MerchantRecord?

    func addKey(_ key: APIKeyRecord) async throws
    func keys(merchantId: String?) async throws -> [APIKeyRecord]
    func key(id: String) async throws -> APIKeyRecord?
    func key(digest: String) async throws -> APIKeyRecord?
    /// Sets when a key stops working (now to revoke, later to let a rolled key overlap its successor).
    /// - Returns: `false` for an unknown key.
    func endKey(id: String, at: Date, revoked: Bool) async throws -> Bool

    func addSecret(merchantId: String, secret: String, createdAt: Date) async throws
    /// Ends the merchant's secrets made before `before` at `at` (a roll's overlap).
    func endSecrets(merchantId: String, before: Date, at: Date) async throws
    /// The merchant's secrets still in use at `now`, newest first.
    func secrets(merchantId: String, now: Date) async throws -> [String]
}

public struct MerchantRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var notificationURL: String?
    public var createdAt: Date

    public init(id: String, name: String, notificationURL: String?, createdAt: Date) {
        self.id = id
        self.name = name
        self.notificationURL = notificationURL
        self.createdAt = createdAt
    }
}

public struct APIKeyRecord: Sendable, Equatable {
    public var id: String
    public var merchantId: String
    /// `test` or `live`.
    public var mode: String
    /// SHA-256 of the key, hex.
    public var digest: String
    /// The key's first characters, to recognise it (`sk_live_AbC1`).
    public var prefix: String
    public var createdAt: Date
    /// When the key stops working: set by a revoke (now) or a roll (after the overlap).
    public var endsAt: Date?
    public var revoked: Bool

    public init(id: String, merchantId: String, mode: String, digest: String, prefix: String, createdAt: Date, endsAt: Date? = nil,
                revoked: Bool = false) {
        self.id = id
        self.merchantId = merchantId
        self.mode = mode
        self.digest = digest
        self.prefix = prefix
        self.createdAt = createdAt
        self.endsAt = endsAt
        self.revoked = revoked
    }

    public func isValid(at now: Date) -> Bool { endsAt.map { now < $0 } ?? true }
}
