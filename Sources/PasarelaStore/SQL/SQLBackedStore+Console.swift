import Foundation
import PasarelaCore

extension SQLBackedStore {
    public func addOperator(_ record: OperatorRecord) async throws -> Bool {
        try await executor.write(WritePlan([.expectRow(Statement("""
            INSERT INTO operators (name, password_hash, role, disabled, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (name) DO NOTHING RETURNING name
            """, [record.name, record.passwordHash, record.role, record.disabled, record.createdAt]),
            otherwise: .init(keep: false) { _ in false })]) { _ in true })
    }

    public func operators() async throws -> [OperatorRecord] {
        try await executor.read(ReadPlan([Statement("SELECT * FROM operators ORDER BY name")]) { rows in try rows[0].map(Self.operatorRecord) })
    }

    public func operatorNamed(_ name: String) async throws -> OperatorRecord? {
        try await executor.read(ReadPlan([Statement("SELECT * FROM operators WHERE name = ?", [name])]) { rows in
            try rows[0].first.map(Self.operatorRecord)
        })
    }

    public func setOperatorDisabled(_ name: String, _ disabled: Bool) async throws -> Bool {
        var steps: [WritePlan<Bool>.Step] = [.expectRow(Statement("UPDATE operators SET disabled = ? WHERE name = ? RETURNING name", [disabled, name]),
                                                        otherwise: .init(keep: false) { _ in false })]
        if disabled { steps.append(.run(Statement("DELETE FROM console_sessions WHERE operator = ?", [name]))) }
        return try await executor.write(WritePlan(steps) { _ in true })
    }

    public func addSession(_ session: SessionRecord) async throws {
        try await executor.write(WritePlan([
            // Expired sessions go as new ones come: the table holds only the living.
            .run(Statement("DELETE FROM console_sessions WHERE expires_at <= ?", [session.createdAt])),
            .run(Statement("""
                INSERT INTO console_sessions (digest, operator, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)
                """, [session.digest, session.operatorName, session.csrf, session.createdAt, session.expiresAt])),
        ]) { _ in () })
    }

    public func session(digest: String, now: Date) async throws -> (SessionRecord, OperatorRecord)? {
        try await executor.read(ReadPlan([
            Statement("SELECT * FROM console_sessions WHERE digest = ? AND expires_at > ?", [digest, now]),
            Statement("""
                SELECT o.* FROM operators o JOIN console_sessions s ON s.operator = o.name WHERE s.digest = ? AND s.expires_at > ?
                """, [digest, now]),
        ]) { rows in
            guard let row = rows[0].first, let person = rows[1].first else { return nil }
            let session = SessionRecord(digest: try row.text(required: "digest"), operatorName: try row.text(required: "operator"),
                                        csrf: try row.text(required: "csrf"), createdAt: try row.date(required: "created_at"),
                                        expiresAt: try row.date(required: "expires_at"))
            return (session, try Self.operatorRecord(person))
        })
    }

    public func endSession(digest: String) async throws {
        try await executor.write(WritePlan([.run(Statement("DELETE FROM console_sessions WHERE digest = ?", [digest]))]) { _ in () })
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await executor.write(WritePlan([.run(Statement("""
            INSERT INTO audit_log (at, operator, action, subject, detail) VALUES (?, ?, ?, ?, ?)
            """, [entry.at, entry.operatorName, entry.action, entry.subject, entry.detail]))]) { _ in () })
    }

    public func audit(limit: Int) async throws -> [AuditEntry] {
        try await executor.read(ReadPlan([Statement("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [limit])]) { rows in
            try rows[0].map { row in
                AuditEntry(at: try row.date(required: "at"), operatorName: try row.text(required: "operator"),
                           action: try row.text(required: "action"), subject: try row.text(required: "subject"),
                           detail: try row.text(required: "detail"))
            }
        })
    }

    static func operatorRecord(_ row: any SQLRow) throws -> OperatorRecord {
        OperatorRecord(name: try row.text(required: "name"), passwordHash: try row.text(required: "password_hash"),
                       role: try row.text(required: "role"), disabled: try row.bool(required: "disabled"),
                       createdAt: try row.date(required: "created_at"))
    }
}

extension SQLBackedStore {
    public func searchPayments(_ search: PaymentSearch) async throws -> [StoredPayment] {
        var conditions: [String] = [], values: [(any SQLBindable)?] = []
        func add(_ condition: String, _ value: (any SQLBindable)?) {
            conditions.append(condition)
            values.append(value)
        }
        if let id = search.paymentId { add("id = ?", id) }
        if let order = search.orderId { add("order_id = ?", order) }
        if let status = search.status { add("status = ?", status.rawValue) }
        if let connection = search.connection { add("connection = ?", connection) }
        if let method = search.method { add("method_type = ?", method.rawValue) }
        if let from = search.createdFrom { add("created_at >= ?", from) }
        if let before = search.createdBefore { add("created_at < ?", before) }
        if let after = search.startingAfter {
            conditions.append("(created_at, id) < (SELECT created_at, id FROM payments WHERE id = ?)")
            values.append(after)
        }
        var filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        filter += " ORDER BY created_at DESC, id DESC LIMIT ?"
        values.append(max(1, min(search.limit, 200)))
        return try await executor.read(PaymentRecord.stored(filter, values))
    }

    public func timeline(paymentId: String) async throws -> PaymentTimelineRecords {
        try await executor.read(ReadPlan([
            Statement("SELECT * FROM events WHERE payment_id = ? ORDER BY seq", [paymentId]),
            Statement("SELECT n.* FROM notifications n JOIN events e ON e.id = n.event_id WHERE e.payment_id = ?", [paymentId]),
            Statement("""
                SELECT a.* FROM notification_attempts a JOIN events e ON e.id = a.event_id WHERE e.payment_id = ? ORDER BY a.event_id, a.attempt
                """, [paymentId]),
            Statement("SELECT * FROM webhook_inbox WHERE payment_id = ? ORDER BY id", [paymentId]),
        ]) { rows in
            var tries: [String: [DeliveryAttempt]] = [:]
            for row in rows[2] {
                let eventId = try row.text(required: "event_id")
                tries[eventId, default: []].append(try EventRecord.attempt(row, eventId: eventId))
            }
            var notifications: [String: NotificationState] = [:]
            for row in rows[1] {
                let eventId = try row.text(required: "event_id")
                notifications[eventId] = try EventRecord.notification(row, tries: tries[eventId] ?? [])
            }
            let events = try rows[0].map { row in
                let event = try EventRecord.stored(row)
                return (event, notifications[event.id])
            }
            let webhooks = try rows[3].map { row in
                ReceivedWebhook(connection: try row.text(required: "connection"), pspStatus: try row.text(required: "psp_status"),
                                result: try row.text(required: "result"), reason: try row.text("reason"),
                                duplicates: Int(try row.int("duplicates") ?? 0), receivedAt: try row.date(required: "received_at"))
            }
            return PaymentTimelineRecords(events: events, webhooks: webhooks)
        })
    }

    public func attempts(since: Date, until: Date, limit: Int) async throws -> [Attempt] {
        try await executor.read(ReadPlan([Statement("""
            SELECT * FROM attempts WHERE started_at >= ? AND started_at < ? ORDER BY started_at DESC LIMIT ?
            """, [since, until, limit])]) { rows in try rows[0].reversed().map(PaymentRecord.attempt(from:)) })
    }

    public func history(since: Date, until: Date, after: String?, limit: Int) async throws -> [HistoricalPayment] {
        var filter = "WHERE p.created_at >= ? AND p.created_at < ?"
        var values: [(any SQLBindable)?] = [since, until]
        if let after {
            filter += " AND (p.created_at, p.id) > (SELECT created_at, id FROM payments WHERE id = ?)"
            values.append(after)
        }
        filter += " ORDER BY p.created_at, p.id LIMIT ?"
        values.append(limit)
        // Only the columns routing reads (a period of payments is read whole, so every column costs), and each payment's
        // attempts aggregated into its row from the attempts' index: one statement, one round trip per page.
        let attempts = PaymentRecord.children("attempts", ["sequence", "connection", "outcome", "decline_class", "duration_ms"])
        let columns = """
            p.id, p.merchant_id, p.livemode, p.amount_value, p.currency, p.country, p.method_type, p.method_network, p.method_bank,
            p.method_token, p.order_id, p.customer_json, p.metadata_json, p.connection, p.rule, p.created_at, \(attempts) AS attempts_json
            """
        return try await executor.read(ReadPlan([Statement("SELECT \(columns) FROM payments p \(filter)", values)]) { rows in
            try rows[0].map { row in
                let attempts = try JSONRow.rows(try row.text("attempts_json")).map { attempt in
                    guard let outcome = AttemptOutcome(rawValue: try attempt.text(required: "outcome")) else {
                        throw CorruptRow("an attempt has an unknown outcome")
                    }
                    return (Int(try attempt.int(required: "sequence")), HistoricalAttempt(
                        connection: try attempt.text(required: "connection"), outcome: outcome,
                        declineClass: try attempt.text("decline_class").flatMap(DeclineClass.init(rawValue:)),
                        durationMs: try attempt.int("duration_ms").map(Int.init)))
                }.sorted { $0.0 < $1.0 }.map(\.1)
                return HistoricalPayment(id: try row.text(required: "id"), merchantId: try row.text(required: "merchant_id"),
                                         livemode: try row.bool(required: "livemode"), request: try PaymentRecord.request(from: row, routingOnly: true),
                                         connection: try row.text("connection"), rule: try row.text("rule"),
                                         createdAt: try row.date(required: "created_at"), attempts: attempts)
            }
        })
    }
}
