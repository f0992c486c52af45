import Foundation
import GRDB
import PasarelaCore

/// Events, their notifications and delivery tries.
enum EventRows {
    static func insert(_ event: NewEvent, merchantId: String, paymentId: String, in db: Database) throws {
        try db.execute(sql: "INSERT INTO events (id, merchant_id, payment_id, type, created_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [event.id, merchantId, paymentId, event.type.rawValue, event.createdAt, Data(event.body)])
        if let url = event.notificationURL {
            try db.execute(sql: """
                INSERT INTO notifications (event_id, merchant_id, url, state, next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)
                """, arguments: [event.id, merchantId, url, event.createdAt, event.createdAt])
        }
    }

    static func stored(_ row: Row) -> StoredEvent {
        let body: Data = row["body"]
        return StoredEvent(sequence: row["seq"], id: row["id"], merchantId: row["merchant_id"], paymentId: row["payment_id"],
                           type: row["type"], createdAt: row["created_at"], body: Array(body))
    }

    static func events(merchantId: String, paymentId: String?, after: String?, limit: Int, in db: Database) throws -> [StoredEvent] {
        var sql = "SELECT * FROM events WHERE merchant_id = ?"
        var arguments: StatementArguments = [merchantId]
        if let paymentId {
            sql += " AND payment_id = ?"
            arguments += [paymentId]
        }
        if let after {
            sql += " AND seq > COALESCE((SELECT seq FROM events WHERE id = ? AND merchant_id = ?), 9223372036854775807)"
            arguments += [after, merchantId]
        }
        sql += " ORDER BY seq LIMIT ?"
        arguments += [limit]
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(stored)
    }

    static func event(id: String, merchantId: String, in db: Database) throws -> (StoredEvent, NotificationState?)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ? AND merchant_id = ?", arguments: [id, merchantId]) else {
            return nil
        }
        guard let note = try Row.fetchOne(db, sql: "SELECT * FROM notifications WHERE event_id = ?", arguments: [id]) else {
            return (stored(row), nil)
        }
        let tries = try Row.fetchAll(db, sql: "SELECT * FROM notification_attempts WHERE event_id = ? ORDER BY attempt", arguments: [id]).map {
            DeliveryAttempt(eventId: id, at: $0["at"], httpStatus: $0["http_status"], error: $0["error"], durationMs: $0["duration_ms"])
        }
        let state = NotificationState(url: note["url"], state: note["state"], attempts: note["attempts"], nextAttemptAt: note["next_attempt_at"],
                                      lastStatus: note["last_status"], lastError: note["last_error"], deliveredAt: note["delivered_at"], tries: tries)
        return (stored(row), state)
    }

    static func due(now: Date, limit: Int, in db: Database) throws -> [DueNotification] {
        try Row.fetchAll(db, sql: """
            SELECT n.event_id, n.merchant_id, n.url, n.attempts, e.body FROM notifications n JOIN events e ON e.id = n.event_id
            WHERE n.state = 'pending' AND n.next_attempt_at <= ? ORDER BY n.next_attempt_at, e.seq LIMIT ?
            """, arguments: [now, limit]).map { row in
            let body: Data = row["body"]
            return DueNotification(eventId: row["event_id"], merchantId: row["merchant_id"], url: row["url"], body: Array(body),
                                   attempts: row["attempts"])
        }
    }

    static func record(_ attempt: DeliveryAttempt, retryAt: Date?, in db: Database) throws {
        let number = (try Int.fetchOne(db, sql: "SELECT attempts FROM notifications WHERE event_id = ?", arguments: [attempt.eventId]) ?? 0) + 1
        try db.execute(sql: """
            INSERT INTO notification_attempts (event_id, attempt, at, http_status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [attempt.eventId, number, attempt.at, attempt.httpStatus, attempt.error, attempt.durationMs])
        let state = attempt.delivered ? "delivered" : (retryAt == nil ? "failed" : "pending")
        try db.execute(sql: """
            UPDATE notifications SET attempts = ?, state = ?, next_attempt_at = ?, last_status = ?, last_error = ?,
                delivered_at = CASE WHEN ? THEN ? ELSE delivered_at END
            WHERE event_id = ?
            """, arguments: [number, state, attempt.delivered ? nil : retryAt, attempt.httpStatus, attempt.error,
                             attempt.delivered, attempt.at, attempt.eventId])
    }

    static func redeliver(eventId: String, merchantId: String, now: Date, in db: Database) throws -> Bool {
        try db.execute(sql: """
            UPDATE notifications SET state = 'pending', next_attempt_at = ? WHERE event_id = ? AND merchant_id = ?
            """, arguments: [now, eventId, merchantId])
        return db.changesCount > 0
    }

    static func orphans(limit: Int, in db: Database) throws -> [OrphanedWebhook] {
        try Row.fetchAll(db, sql: "SELECT * FROM webhook_inbox WHERE result = 'orphaned' ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
            let body: Data = $0["body"]
            return OrphanedWebhook(connection: $0["connection"], pspPaymentId: $0["psp_payment_id"], pspStatus: $0["psp_status"],
                                   dedupeKey: $0["dedupe_key"], receivedAt: $0["received_at"], body: Array(body))
        }
    }
}
