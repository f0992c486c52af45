import Foundation
import PasarelaCore

/// Events, their notifications and delivery tries as rows.
enum EventRecord {
    static func insert(_ event: NewEvent, merchantId: String, paymentId: String) -> [Statement] {
        var statements = [Statement("INSERT INTO events (id, merchant_id, payment_id, type, created_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                                    [event.id, merchantId, paymentId, event.type.rawValue, event.createdAt, event.body])]
        if let url = event.notificationURL {
            statements.append(Statement("""
                INSERT INTO notifications (event_id, merchant_id, url, state, next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?)
                """, [event.id, merchantId, url, event.createdAt, event.createdAt]))
        }
        return statements
    }

    static func stored(_ row: any SQLRow) throws -> StoredEvent {
        StoredEvent(sequence: try row.int(required: "seq"), id: try row.text(required: "id"), merchantId: try row.text(required: "merchant_id"),
                    paymentId: try row.text(required: "payment_id"), type: try row.text(required: "type"),
                    createdAt: try row.date(required: "created_at"), body: try row.bytes(required: "body"))
    }

    static func attempt(_ row: any SQLRow, eventId: String) throws -> DeliveryAttempt {
        DeliveryAttempt(eventId: eventId, at: try row.date(required: "at"), httpStatus: try row.int("http_status").map(Int.init),
                        error: try row.text("error"), durationMs: Int(try row.int(required: "duration_ms")))
    }

    static func notification(_ row: any SQLRow, tries: [DeliveryAttempt]) throws -> NotificationState {
        NotificationState(url: try row.text(required: "url"), state: try row.text(required: "state"), attempts: Int(try row.int(required: "attempts")),
                          nextAttemptAt: try row.date("next_attempt_at"), lastStatus: try row.int("last_status").map(Int.init),
                          lastError: try row.text("last_error"), deliveredAt: try row.date("delivered_at"), tries: tries)
    }

    static func due(_ row: any SQLRow) throws -> DueNotification {
        DueNotification(eventId: try row.text(required: "event_id"), merchantId: try row.text(required: "merchant_id"),
                        url: try row.text(required: "url"), body: try row.bytes(required: "body"), attempts: Int(try row.int(required: "attempts")))
    }
}
