import Foundation
import PasarelaCore
import PasarelaStore
import Synchronization

/// A short-lived cache of what keys and merchants resolve to, so authentication costs no database read per request; a
/// revoked key stops working within `ttl` on every instance.
final class MerchantCache: Sendable {
    private struct Entry { var merchant: Merchant?; var until: Date }
    private let entries = Mutex<[String: Entry]>([:])
    let ttl: TimeInterval = 2

    func lookup(_ key: String, now: Date) -> Merchant?? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.until > now else { return nil }
            return .some(entry.merchant)
        }
    }

    func store(_ key: String, _ merchant: Merchant?, now: Date, notAfter end: Date? = nil) {
        let until = min(now.addingTimeInterval(ttl), end ?? .distantFuture)
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[key] = Entry(merchant: merchant, until: until)
        }
    }
}

/// Who the merchants are: keys from the environment (and the sandbox key), then merchants and keys in the store, each
/// resolution cached briefly.
public final class MerchantBook: Sendable {
    /// Merchants and keys from the environment and the sandbox.
    public let directory: MerchantDirectory
    let store: any MerchantStore
    let cache = MerchantCache()
    let now: @Sendable () -> Date

    init(directory: MerchantDirectory, store: any MerchantStore, now: @escaping @Sendable () -> Date) {
        self.directory = directory
        self.store = store
        self.now = now
    }

    /// The merchant an API key belongs to: keys from the environment (and the sandbox key) first, then keys made with
    /// `pasarela keys create`, valid until revoked or until a roll's overlap ends.
    public func merchant(forKey key: String) async throws -> Merchant? {
        if let merchant = directory.merchant(forKey: key) { return merchant }
        guard key.hasPrefix("sk_test_") || key.hasPrefix("sk_live_"), (16...200).contains(key.count) else { return nil }
        let digest = MerchantDirectory.digest(key), at = now()
        if let cached = cache.lookup("key:" + digest, now: at) { return cached }
        var merchant: Merchant?
        var end: Date?
        if let record = try await store.key(digest: digest), record.isValid(at: at), let owner = try await store.merchant(id: record.merchantId) {
            merchant = Merchant(id: owner.id, livemode: record.mode == "live", notificationURL: owner.notificationURL)
            end = record.endsAt
        }
        cache.store("key:" + digest, merchant, now: at, notAfter: end)
        return merchant
    }

    /// A merchant by id, for its notification URL: from the environment, else from the store.
    func merchantInfo(id: String) async -> Merchant? {
        if let merchant = directory.merchant(id: id) { return merchant }
        let at = now()
        if let cached = cache.lookup("merchant:" + id, now: at) { return cached }
        let merchant = (try? await store.merchant(id: id)).flatMap { $0 }.map {
            Merchant(id: $0.id, livemode: false, notificationURL: $0.notificationURL)
        }
        cache.store("merchant:" + id, merchant, now: at)
        return merchant
    }

    /// The secrets that sign a merchant's notifications, newest first: several while a roll's overlap runs, so the
    /// merchant can check either.
    func notificationSecrets(merchantId: String) async -> [String] {
        if let secret = directory.merchant(id: merchantId)?.webhookSecret { return [secret] }
        return (try? await store.secrets(merchantId: merchantId, now: now())) ?? []
    }
}
