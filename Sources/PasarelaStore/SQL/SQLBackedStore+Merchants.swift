import Foundation

extension SQLBackedStore {
    public func addMerchant(_ merchant: MerchantRecord) async throws -> Bool {
        try await executor.write(WritePlan([.expectRow(Statement("""
            INSERT INTO merchants (id, name, notification_url, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id
            """, [merchant.id, merchant.name, merchant.notificationURL, merchant.createdAt]), otherwise: .init(keep: false) { _ in false })]) { _ in true })
    }

    public func updateMerchant(id: String, name: String, notificationURL: String?) async throws -> Bool {
        try await executor.write(WritePlan([.run(Statement("UPDATE merchants SET name = ?, notification_url = ? WHERE id = ? RETURNING id",
                                                           [name, notificationURL, id]))]) { rows in !rows.isEmpty })
    }

    public func merchants() async throws -> [MerchantRecord] {
        try await executor.read(ReadPlan([Statement("SELECT * FROM merchants ORDER BY id")]) { rows in try rows[0].map(Self.merchant) })
    }

    public func merchant(id: String) async throws -> MerchantRecord? {
        try await executor.read(ReadPlan([Statement("SELECT * FROM merchants WHERE id = ?", [id])], byKey: true) { rows in try rows[0].first.map(Self.merchant) })
    }

    public func addKey(_ key: APIKeyRecord) async throws {
        try await executor.write(WritePlan([.run(Statement("""
            INSERT INTO api_keys (id, merchant_id, mode, digest, prefix, created_at, ends_at, revoked) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [key.id, key.merchantId, key.mode, key.digest, key.prefix, key.createdAt, key.endsAt, key.revoked]))]) { _ in () })
    }

    public func keys(merchantId: String?) async throws -> [APIKeyRecord] {
        let statement = merchantId.map { Statement("SELECT * FROM api_keys WHERE merchant_id = ? ORDER BY created_at, id", [$0]) }
            ?? Statement("SELECT * FROM api_keys ORDER BY merchant_id, created_at, id")
        return try await executor.read(ReadPlan([statement]) { rows in try rows[0].map(Self.key) })
    }

    public func key(id: String) async throws -> APIKeyRecord? {
        try await executor.read(ReadPlan([Statement("SELECT * FROM api_keys WHERE id = ?", [id])], byKey: true) { rows in try rows[0].first.map(Self.key) })
    }

    public func key(digest: String) async throws -> APIKeyRecord? {
        try await executor.read(ReadPlan([Statement("SELECT * FROM api_keys WHERE digest = ?", [digest])], byKey: true) { rows in try rows[0].first.map(Self.key) })
    }

    public func endKey(id: String, at: Date, revoked: Bool) async throws -> Bool {
        try await executor.write(WritePlan([.run(Statement("""
            UPDATE api_keys SET ends_at = CASE WHEN ends_at IS NOT NULL AND ends_at < ? THEN ends_at ELSE ? END, revoked = ?
            WHERE id = ? RETURNING id
            """, [at, at, revoked, id]))]) { rows in !rows.isEmpty })
    }

    public func addSecret(merchantId: String, secret: String, createdAt: Date) async throws {
        try await executor.write(WritePlan([.run(Statement("""
            INSERT INTO merchant_secrets (merchant_id, secret, created_at) VALUES (?, ?, ?)
            """, [merchantId, secret, createdAt]))]) { _ in () })
    }

    public func endSecrets(merchantId: String, before: Date, at: Date) async throws {
        try await executor.write(WritePlan([.run(Statement("""
            UPDATE merchant_secrets SET ends_at = ? WHERE merchant_id = ? AND created_at < ? AND (ends_at IS NULL OR ends_at > ?)
            """, [at, merchantId, before, at]))]) { _ in () })
    }

    public func secrets(merchantId: String, now: Date) async throws -> [String] {
        try await executor.read(ReadPlan([Statement("""
            SELECT secret FROM merchant_secrets WHERE merchant_id = ? AND (ends_at IS NULL OR ends_at > ?) ORDER BY created_at DESC, id DESC
            """, [merchantId, now])]) { rows in try rows[0].map { try $0.text(required: "secret") } })
    }

    static func merchant(_ row: any SQLRow) throws -> MerchantRecord {
        MerchantRecord(id: try row.text(required: "id"), name: try row.text(required: "name"), notificationURL: try row.text("notification_url"),
                       createdAt: try row.date(required: "created_at"))
    }

    static func key(_ row: any SQLRow) throws -> APIKeyRecord {
        APIKeyRecord(id: try row.text(required: "id"), merchantId: try row.text(required: "merchant_id"), mode: try row.text(required: "mode"),
                     digest: try row.text(required: "digest"), prefix: try row.text(required: "prefix"),
                     createdAt: try row.date(required: "created_at"), endsAt: try row.date("ends_at"), revoked: try row.bool(required: "revoked"))
    }
}
