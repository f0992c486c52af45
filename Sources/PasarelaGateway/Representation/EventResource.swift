import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// The merchant-facing JSON of an event: `{"id","object":"event","type","created_at","payment_id","data":{"object":…}}`.
public enum EventResource {
    /// A new event announcing a refund's status, carrying the refund as it is after the change.
    static func make(_ announcement: RefundAnnouncement, for stored: StoredPayment, merchant: Merchant?, at date: Date) -> NewEvent? {
        guard let refund = stored.refund(announcement.refundId) else { return nil }
        return make(announcement.type, object: RefundResource.json(refund), payment: stored.payment, merchant: merchant, at: date)
    }

    /// A new event announcing `type`, carrying the payment as it is after the change, with the merchant's notification URL;
    /// `reason` says why something the merchant asked for did not happen (`payment.cancel_failed`).
    static func make(_ type: StatusEventType, for stored: StoredPayment, merchant: Merchant?, at date: Date, reason: String? = nil) -> NewEvent {
        make(type, object: PaymentResource.json(stored), payment: stored.payment, merchant: merchant, at: date, reason: reason)
    }

    static func make(_ type: StatusEventType, object: JSONBody, payment: Payment, merchant: Merchant?, at date: Date,
                     reason: String? = nil) -> NewEvent {
        let id = Identifier.make("evt")
        let body = JSONBody.object([
            ("id", .string(id)),
            ("object", .string("event")),
            ("type", .string(type.rawValue)),
            ("created_at", .string(Timestamps.utc(date))),
            ("payment_id", .string(payment.id)),
            ("livemode", .bool(payment.livemode)),
            ("data", .fields([("object", object), ("reason", reason.map(JSONBody.string))])),
        ]).bytes
        return NewEvent(id: id, type: type, createdAt: date, body: body,
                        notificationURL: payment.request.notificationURL ?? merchant?.notificationURL)
    }

    /// A list of events: `{"object":"list","data":[…],"has_more":…}` with each event's stored JSON.
    static func list(_ events: [StoredEvent], hasMore: Bool) -> [UInt8] {
        var out = Array(#"{"object":"list","data":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: event.body)
        }
        out.append(contentsOf: Array("],\"has_more\":\(hasMore)}".utf8))
        return out
    }

    /// One event with its delivery record.
    static func detail(_ event: StoredEvent, _ state: NotificationState?) -> [UInt8] {
        var delivery: JSONBody = .null
        if let state {
            let tries: [JSONBody] = state.tries.map(tryJSON)
            let pairs: [(String, JSONBody?)] = [
                ("url", .string(state.url)),
                ("state", .string(state.state)),
                ("attempts", .number(String(state.attempts))),
                ("next_attempt_at", date(state.nextAttemptAt)),
                ("last_status", number(state.lastStatus)),
                ("last_error", text(state.lastError)),
                ("delivered_at", date(state.deliveredAt)),
                ("tries", .array(tries)),
            ]
            delivery = .fields(pairs)
        }
        // The event's own bytes, with the delivery record added before the closing brace.
        var out = event.body
        if out.last == UInt8(ascii: "}") { out.removeLast() }
        out.append(contentsOf: Array(",\"delivery\":".utf8))
        out.append(contentsOf: delivery.bytes)
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func tryJSON(_ attempt: DeliveryAttempt) -> JSONBody {
        let pairs: [(String, JSONBody?)] = [
            ("at", .string(Timestamps.utc(attempt.at))),
            ("http_status", number(attempt.httpStatus)),
            ("error", text(attempt.error)),
            ("duration_ms", .number(String(attempt.durationMs))),
        ]
        return .fields(pairs)
    }

    static func date(_ value: Date?) -> JSONBody { value.map { .string(Timestamps.utc($0)) } ?? .null }
    static func number(_ value: Int?) -> JSONBody { value.map { .number(String($0)) } ?? .null }
    static func text(_ value: String?) -> JSONBody { value.map(JSONBody.string) ?? .null }
}
