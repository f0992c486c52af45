import Foundation
import GRDB
import PasarelaCore

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, written through a group-commit writer
/// and read concurrently.
public final class SQLiteStore: PaymentStore {
    let pool: DatabasePool
    let writer: GroupCommitWriter

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA busy_timeout = 5000")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(pool)
        writer = GroupCommitWriter(pool: pool)
    }

    /// The largest number of transactions committed together so far.
    public var largestCommitGroup: Int { get async { await writer.largestGroup } }
    public var commitCount: Int { get async { await writer.commits } }

    public func create(_ payment: Payment, idempotency: IdempotencyClaim?) async throws -> CreateResult {
        try await writer.write { db in
            if let claim = idempotency {
                if let row = try Row.fetchOne(db, sql: "SELECT * FROM idempotency_keys WHERE merchant_id = ? AND key = ?",
                                              arguments: [payment.merchantId, claim.key]) {
                    guard row["request_hash"] == claim.requestHash else { return .mismatch }
                    if let status: Int = row["reply_status"] {
                        let body: Data = row["reply_body"] ?? Data()
                        return .replay(IdempotencyReply(key: claim.key, status: status, body: Array(body)))
                    }
                    return .inFlight(paymentId: row["payment_id"])
                }
                try db.execute(sql: """
                    INSERT INTO idempotency_keys (merchant_id, key, request_hash, payment_id, created_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [payment.merchantId, claim.key, claim.requestHash, payment.id, payment.createdAt])
            }
            try PaymentRows.upsert(payment, in: db)
            return .created
        }
    }

    public func save(_ payment: Payment, attempts: [Attempt], reply: IdempotencyReply?, event: NewEvent?) async throws {
        try await writer.write { db in
            try PaymentRows.upsert(payment, in: db)
            for attempt in attempts { try PaymentRows.upsert(attempt, in: db) }
            if let event { try EventRows.insert(event, merchantId: payment.merchantId, paymentId: payment.id, in: db) }
            if let reply {
                try db.execute(sql: "UPDATE idempotency_keys SET reply_status = ?, reply_body = ? WHERE merchant_id = ? AND key = ?",
                               arguments: [reply.status, Data(reply.body), payment.merchantId, reply.key])
            }
        }
    }

    public func payment(id: String, merchantId: String) async throws -> StoredPayment? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM payments WHERE id = ? AND merchant_id = ?", arguments: [id, merchantId])
                .map { try PaymentRows.stored($0, in: db) }
        }
    }

    public func payments(merchantId: String, orderId: String?, status: PaymentStatus?, startingAfter: String?,
                         limit: Int) async throws -> [StoredPayment] {
        try await pool.read { db in
            var sql = "SELECT * FROM payments WHERE merchant_id = ?"
            var arguments: StatementArguments = [merchantId]
            if let orderId {
                sql += " AND order_id = ?"
                arguments += [orderId]
            }
            if let status {
                sql += " AND status = ?"
                arguments += [status.rawValue]
            }
            if let startingAfter {
                // Strictly after the cursor in (created_at DESC, id DESC) order.
                sql += """
                     AND (created_at, id) < (SELECT created_at, id FROM payments WHERE id = ? AND merchant_id = ?)
                    """
                arguments += [startingAfter, merchantId]
            }
            sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { try PaymentRows.stored($0, in: db) }
        }
    }

    public func apply(_ record: PSPEventRecord, render: @escaping EventRenderer) async throws -> WebhookResult {
        try await writer.write { db in try WebhookApplication.apply(record, render: render, in: db) }
    }

    public func events(merchantId: String, paymentId: String?, after: String?, limit: Int) async throws -> [StoredEvent] {
        try await pool.read { db in try EventRows.events(merchantId: merchantId, paymentId: paymentId, after: after, limit: limit, in: db) }
    }

    public func event(id: String, merchantId: String) async throws -> (StoredEvent, NotificationState?)? {
        try await pool.read { db in try EventRows.event(id: id, merchantId: merchantId, in: db) }
    }

    public func dueNotifications(now: Date, limit: Int) async throws -> [DueNotification] {
        try await pool.read { db in try EventRows.due(now: now, limit: limit, in: db) }
    }

    public func record(_ attempt: DeliveryAttempt, retryAt: Date?) async throws {
        try await writer.write { db in try EventRows.record(attempt, retryAt: retryAt, in: db) }
    }

    public func redeliver(eventId: String, merchantId: String, now: Date) async throws -> Bool {
        try await writer.write { db in try EventRows.redeliver(eventId: eventId, merchantId: merchantId, now: now, in: db) }
    }

    public func orphanedWebhooks(limit: Int) async throws -> [OrphanedWebhook] {
        try await pool.read { db in try EventRows.orphans(limit: limit, in: db) }
    }

    public func webhookCounts(connection: String) async throws -> [String: Int] {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT result, COUNT(*) AS n FROM webhook_inbox WHERE connection = ? GROUP BY result",
                                        arguments: [connection]) {
                counts[row["result"]] = row["n"]
            }
            let repeats = try Int.fetchOne(db, sql: "SELECT SUM(duplicates) FROM webhook_inbox WHERE connection = ?", arguments: [connection]) ?? 0
            if repeats > 0 { counts["duplicate"] = repeats }
            return counts
        }
    }
}
