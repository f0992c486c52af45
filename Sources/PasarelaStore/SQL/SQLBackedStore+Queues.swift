import Foundation
import PasarelaCore

extension SQLBackedStore {
    public func isRecorded(connection: String, dedupeKey: String) async throws -> Bool {
        try await executor.read(ReadPlan([Statement("SELECT 1 AS one FROM webhook_inbox WHERE connection = ? AND dedupe_key = ?",
                                                    [connection, dedupeKey])], byKey: true) { rows in !rows[0].isEmpty })
    }

    public func addDuplicates(_ counts: [InboxKey: Int]) async throws {
        guard !counts.isEmpty else { return }
        let steps: [WritePlan<Void>.Step] = counts.sorted { ($0.key.connection, $0.key.dedupeKey) < ($1.key.connection, $1.key.dedupeKey) }.map {
            .run(Statement("UPDATE webhook_inbox SET duplicates = duplicates + ? WHERE connection = ? AND dedupe_key = ?",
                           [$0.value, $0.key.connection, $0.key.dedupeKey]))
        }
        try await executor.write(WritePlan(steps) { _ in () })
    }

    public func orphanedWebhooks(limit: Int) async throws -> [OrphanedWebhook] {
        try await executor.read(ReadPlan([Statement("SELECT * FROM webhook_inbox WHERE result = 'orphaned' ORDER BY id DESC LIMIT ?", [limit])]) { rows in
            try rows[0].map(InboxRecord.orphan)
        })
    }

    public func webhookCounts(connection: String) async throws -> [String: Int] {
        try await executor.read(ReadPlan([
            Statement("SELECT result, COUNT(*) AS n FROM webhook_inbox WHERE connection = ? GROUP BY result", [connection]),
            Statement("SELECT CAST(COALESCE(SUM(duplicates), 0) AS BIGINT) AS total FROM webhook_inbox WHERE connection = ?", [connection]),
        ]) { rows in
            var counts: [String: Int] = [:]
            for row in rows[0] { counts[try row.text(required: "result")] = Int(try row.int(required: "n")) }
            let repeats = try rows[1].first?.int("total") ?? 0
            if repeats > 0 { counts["duplicate"] = Int(repeats) }
            return counts
        })
    }

    public func events(merchantId: String, paymentId: String?, after: String?, limit: Int) async throws -> [StoredEvent] {
        var sql = "SELECT * FROM events WHERE merchant_id = ?"
        var values: [(any SQLBindable)?] = [merchantId]
        if let paymentId {
            sql += " AND payment_id = ?"
            values.append(paymentId)
        }
        if let after {
            sql += " AND seq > COALESCE((SELECT seq FROM events WHERE id = ? AND merchant_id = ?), 9223372036854775807)"
            values += [after, merchantId]
        }
        sql += " ORDER BY seq LIMIT ?"
        values.append(limit)
        return try await executor.read(ReadPlan([Statement(sql, values)]) { rows in try rows[0].map(EventRecord.stored) })
    }

    public func event(id: String, merchantId: String) async throws -> (StoredEvent, NotificationState?)? {
        try await executor.read(ReadPlan([
            Statement("SELECT * FROM events WHERE id = ? AND merchant_id = ?", [id, merchantId]),
            Statement("SELECT * FROM notifications WHERE event_id = ? AND merchant_id = ?", [id, merchantId]),
            Statement("SELECT * FROM notification_attempts WHERE event_id = ? ORDER BY attempt", [id]),
        ]) { rows in
            guard let event = rows[0].first else { return nil }
            let tries = try rows[2].map { try EventRecord.attempt($0, eventId: id) }
            return (try EventRecord.stored(event), try rows[1].first.map { try EventRecord.notification($0, tries: tries) })
        })
    }

    public func claimNotifications(now: Date, limit: Int, leaseUntil: Date) async throws -> [DueNotification] {
        try await executor.write(WritePlan([.run(Statement("""
            WITH picked AS MATERIALIZED (SELECT event_id FROM notifications WHERE state = 'pending' AND next_attempt_at <= ?
                                         ORDER BY next_attempt_at LIMIT ? /*SKIP LOCKED*/)
            UPDATE notifications SET next_attempt_at = ? WHERE event_id IN (SELECT event_id FROM picked)
            RETURNING event_id, merchant_id, url, attempts, (SELECT body FROM events WHERE events.id = notifications.event_id) AS body
            """, [now, limit, leaseUntil]))]) { rows in try rows.map(EventRecord.due) })
    }

    public func record(_ attempt: DeliveryAttempt, retryAt: Date?) async throws {
        let state = attempt.delivered ? "delivered" : attempt.refused ? "refused" : (retryAt == nil ? "failed" : "pending")
        try await executor.write(WritePlan([
            .run(Statement("""
                INSERT INTO notification_attempts (event_id, attempt, at, http_status, error, duration_ms)
                VALUES (?, (SELECT attempts + 1 FROM notifications WHERE event_id = ?), ?, ?, ?, ?)
                """, [attempt.eventId, attempt.eventId, attempt.at, attempt.httpStatus, attempt.error, attempt.durationMs])),
            .run(Statement("""
                UPDATE notifications SET attempts = attempts + 1, state = ?, next_attempt_at = ?, last_status = ?, last_error = ?,
                    delivered_at = COALESCE(?, delivered_at)
                WHERE event_id = ?
                """, [state, attempt.delivered ? nil : retryAt, attempt.httpStatus, attempt.error, attempt.delivered ? attempt.at : nil,
                      attempt.eventId])),
        ]) { _ in () })
    }

    public func refusedNotifications() async throws -> [RefusedNotifications] {
        try await executor.read(ReadPlan([Statement("""
            SELECT merchant_id, url, COUNT(*) AS n, MAX(last_error) AS reason FROM notifications WHERE state = 'refused'
            GROUP BY merchant_id, url ORDER BY merchant_id, url
            """)]) { rows in
            try rows[0].map {
                RefusedNotifications(merchantId: try $0.text(required: "merchant_id"), url: try $0.text(required: "url"),
                                     count: Int(try $0.int(required: "n")), reason: try $0.text("reason") ?? "-")
            }
        })
    }

    public func outboxBacklog(now: Date) async throws -> OutboxBacklog {
        try await executor.read(ReadPlan([Statement("""
            SELECT COUNT(*) AS n, MIN(next_attempt_at) AS oldest FROM notifications WHERE state = 'pending'
            """)]) { rows in
            OutboxBacklog(pending: Int(try rows[0].first?.int("n") ?? 0), oldestDue: try rows[0].first?.date("oldest"))
        })
    }

    public func recordCall(_ call: RecordedCall) async throws {
        try await executor.write(WritePlan([.run(CallRecord.insert(call))]) { _ in () })
    }

    public func calls(paymentId: String, attemptId: String?) async throws -> [RecordedCall] {
        var sql = "SELECT * FROM psp_calls WHERE payment_id = ?"
        var values: [(any SQLBindable)?] = [paymentId]
        if let attemptId {
            sql += " AND attempt_id = ?"
            values.append(attemptId)
        }
        return try await executor.read(ReadPlan([Statement(sql + " ORDER BY id", values)]) { rows in
            try rows[0].map {
                RecordedCall(paymentId: try $0.text(required: "payment_id"), attemptId: try $0.text("attempt_id"),
                             connection: try $0.text(required: "connection"), flow: try $0.text(required: "flow"),
                             at: try $0.date(required: "at"), transcript: try $0.bytes(required: "transcript"))
            }
        })
    }

    public func redeliver(eventId: String, merchantId: String, now: Date) async throws -> Bool {
        try await executor.write(WritePlan([.run(Statement("""
            UPDATE notifications SET state = 'pending', next_attempt_at = ? WHERE event_id = ? AND merchant_id = ? RETURNING event_id
            """, [now, eventId, merchantId]))]) { rows in !rows.isEmpty })
    }

    public func claimDue(now: Date, limit: Int, leaseUntil: Date) async throws -> [StoredPayment] {
        let ids = try await executor.write(WritePlan([.run(Statement("""
            WITH picked AS MATERIALIZED (SELECT id FROM payments WHERE next_look_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                                         ORDER BY next_look_at LIMIT ? /*SKIP LOCKED*/)
            UPDATE payments SET next_look_at = ?, version = version + 1 WHERE id IN (SELECT id FROM picked) AND next_look_at <= ?
            RETURNING id
            """, [now, now, limit, leaseUntil, now]))]) { rows in try rows.map { try $0.text(required: "id") } })
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return try await executor.read(PaymentRecord.stored("WHERE id IN (\(marks)) ORDER BY id", ids))
    }

    public func openPayments(after: String?, limit: Int) async throws -> [StoredPayment] {
        try await executor.read(PaymentRecord.stored("""
            WHERE (status IN ('processing', 'requires_action', 'authorized')
                   OR EXISTS (SELECT 1 FROM refunds WHERE refunds.payment_id = payments.id AND refunds.status = 'pending'))
              AND id > ? ORDER BY id LIMIT ?
            """, [after ?? "", limit]))
    }

    public func refund(connection: String, pspRefundId: String?, reference: String?) async throws -> RefundRef? {
        try await executor.read(ReadPlan([
            Statement("SELECT id, payment_id FROM refunds WHERE connection = ? AND psp_refund_id = ? LIMIT 1", [connection, pspRefundId ?? ""]),
            Statement("SELECT id, payment_id FROM refunds WHERE connection = ? AND id = ? LIMIT 1", [connection, reference ?? ""]),
        ], byKey: true) { rows in
            let found = (pspRefundId == nil ? nil : rows[0].first) ?? (reference == nil ? nil : rows[1].first)
            guard let row = found else { return nil }
            return RefundRef(paymentId: try row.text(required: "payment_id"), refundId: try row.text(required: "id"))
        })
    }

    public func refund(id: String, merchantId: String) async throws -> Refund? {
        try await executor.read(ReadPlan([Statement("SELECT * FROM refunds WHERE id = ? AND merchant_id = ?", [id, merchantId])], byKey: true) { rows in
            try rows[0].first.map(RefundRecord.refund)
        })
    }

    public func payments(merchantId: String, orderId: String?, status: PaymentStatus?, startingAfter: String?,
                         limit: Int) async throws -> [StoredPayment] {
        let (filter, values) = PaymentRecord.listFilter(merchantId: merchantId, orderId: orderId, status: status,
                                                        startingAfter: startingAfter, limit: limit)
        return try await executor.read(PaymentRecord.stored(filter, values))
    }
}
