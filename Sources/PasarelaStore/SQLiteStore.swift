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
                if let existing = try IdempotencyRows.find(claim, merchantId: payment.merchantId, operation: "create", now: payment.createdAt, in: db) {
                    return existing
                }
                try IdempotencyRows.insert(claim, merchantId: payment.merchantId, paymentId: payment.id, operation: "create",
                                           createdAt: payment.createdAt, in: db)
            }
            try PaymentRows.insert(payment, in: db)
            return .created
        }
    }

    public func claim(_ claim: IdempotencyClaim, merchantId: String, paymentId: String, operation: String,
                      leaseUntil: Date) async throws -> ClaimResult {
        let now = Date()
        return try await writer.write { db in
            if let existing = try IdempotencyRows.find(claim, merchantId: merchantId, operation: operation, now: now, in: db) {
                return existing
            }
            var held = claim
            held.leaseUntil = leaseUntil
            try IdempotencyRows.insert(held, merchantId: merchantId, paymentId: paymentId, operation: operation, createdAt: now, in: db)
            return .created
        }
    }

    public func release(key: String, merchantId: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE merchant_id = ? AND key = ? AND reply_status IS NULL",
                           arguments: [merchantId, key])
        }
    }

    public func settle(key: String, merchantId: String, reply: IdempotencyReply) async throws -> IdempotencyReply {
        try await writer.write { db in try IdempotencyRows.settle(key: key, merchantId: merchantId, reply: reply, in: db) }
    }

    public func commit(_ write: PaymentWrite) async throws -> CommitResult {
        do {
            return try await writer.write { db in
                if let inbox = write.inbox, try !InboxRows.insert(inbox, in: db) {
                    try InboxRows.countDuplicate(connection: inbox.connection, dedupeKey: inbox.dedupeKey, in: db)
                    return .duplicate
                }
                if var payment = write.payment {
                    payment.version = write.expectedVersion + 1
                    guard try PaymentRows.update(payment, expectedVersion: write.expectedVersion, in: db) else {
                        // Undo the inbox row with the rest: the caller reads again and decides again.
                        throw CompareAndSetLost()
                    }
                    for attempt in write.attempts { try PaymentRows.upsert(attempt, in: db) }
                    for refund in write.refunds { try RefundRows.upsert(refund, merchantId: payment.merchantId, in: db) }
                    if let ceiling = write.refundCeiling, try RefundRows.committed(paymentId: payment.id, in: db) > ceiling {
                        throw RefundCeilingExceeded()
                    }
                    for event in write.events { try EventRows.insert(event, merchantId: payment.merchantId, paymentId: payment.id, in: db) }
                    if let reply = write.reply { try IdempotencyRows.store(reply, merchantId: payment.merchantId, in: db) }
                    if let reply = write.settleOpenCreateKey {
                        try IdempotencyRows.settleOpenCreateKey(paymentId: payment.id, reply: reply, in: db)
                    }
                }
                return .committed
            }
        } catch is CompareAndSetLost {
            return .conflict
        } catch is RefundCeilingExceeded {
            return .refundCeilingExceeded
        }
    }

    public func payment(id: String, merchantId: String?) async throws -> StoredPayment? {
        try await pool.read { db in
            let row = if let merchantId {
                try Row.fetchOne(db, sql: "SELECT * FROM payments WHERE id = ? AND merchant_id = ?", arguments: [id, merchantId])
            } else {
                try Row.fetchOne(db, sql: "SELECT * FROM payments WHERE id = ?", arguments: [id])
            }
            return try row.map { try PaymentRows.stored($0, in: db) }
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

    public func attempt(connection: String, pspPaymentId: String, reference: String?) async throws -> AttemptRef? {
        try await pool.read { db in
            // The PSP's id finds the attempt; the reference (our attempt id) finds it when the create reply was lost.
            var row = try Row.fetchOne(db, sql: "SELECT id, payment_id FROM attempts WHERE connection = ? AND psp_payment_id = ?",
                                       arguments: [connection, pspPaymentId])
            if row == nil, let reference {
                row = try Row.fetchOne(db, sql: "SELECT id, payment_id FROM attempts WHERE connection = ? AND id = ?",
                                       arguments: [connection, reference])
            }
            return row.map { AttemptRef(paymentId: $0["payment_id"], attemptId: $0["id"]) }
        }
    }

    public func refund(connection: String, pspRefundId: String?, reference: String?) async throws -> RefundRef? {
        try await pool.read { db in
            var row: Row?
            if let pspRefundId {
                row = try Row.fetchOne(db, sql: "SELECT id, payment_id FROM refunds WHERE connection = ? AND psp_refund_id = ?",
                                       arguments: [connection, pspRefundId])
            }
            if row == nil, let reference {
                row = try Row.fetchOne(db, sql: "SELECT id, payment_id FROM refunds WHERE connection = ? AND id = ?", arguments: [connection, reference])
            }
            return row.map { RefundRef(paymentId: $0["payment_id"], refundId: $0["id"]) }
        }
    }

    public func refund(id: String, merchantId: String) async throws -> Refund? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM refunds WHERE id = ? AND merchant_id = ?", arguments: [id, merchantId]).map(RefundRows.refund(from:))
        }
    }

    public func dueForReconcile(now: Date, limit: Int) async throws -> [StoredPayment] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM payments WHERE next_look_at <= ? ORDER BY next_look_at LIMIT ?", arguments: [now, limit])
                .map { try PaymentRows.stored($0, in: db) }
        }
    }

    public func openPayments(after: String?, limit: Int) async throws -> [StoredPayment] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM payments
                WHERE (status IN ('processing', 'requires_action', 'authorized')
                       OR EXISTS (SELECT 1 FROM refunds WHERE refunds.payment_id = payments.id AND refunds.status = 'pending'))
                  AND id > ? ORDER BY id LIMIT ?
                """, arguments: [after ?? "", limit]).map { try PaymentRows.stored($0, in: db) }
        }
    }

    public func recordIfDuplicate(connection: String, dedupeKey: String) async throws -> Bool {
        let seen = try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM webhook_inbox WHERE connection = ? AND dedupe_key = ?",
                              arguments: [connection, dedupeKey]) ?? false
        }
        guard seen else { return false }
        try await writer.write { db in try InboxRows.countDuplicate(connection: connection, dedupeKey: dedupeKey, in: db) }
        return true
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
        try await pool.read { db in try InboxRows.counts(connection: connection, in: db) }
    }

    public func keysInFlight() async throws -> [InFlightKey] {
        try await pool.read { db in try IdempotencyRows.inFlight(in: db) }
    }
}

/// Thrown inside a transaction to roll it back when a compare-and-set finds a newer version.
struct CompareAndSetLost: Error {}

/// Thrown inside a transaction to roll it back when refunds would add up to more than was captured.
struct RefundCeilingExceeded: Error {}
