import Foundation
import PasarelaCore

/// A unified status event to write with the state change it announces, and where to notify the merchant.
public struct NewEvent: Sendable, Equatable {
    public var id: String
    public var type: StatusEventType
    public var createdAt: Date
    /// The event's JSON exactly as merchants receive it.
    public var body: [UInt8]
    /// The merchant's notification URL, or `nil` when there is none (the event is only listed).
    public var notificationURL: String?

    public init(id: String, type: StatusEventType, createdAt: Date, body: [UInt8], notificationURL: String?) {
        self.id = id
        self.type = type
        self.createdAt = createdAt
        self.body = body
        self.notificationURL = notificationURL
    }
}

/// A stored event.
public struct StoredEvent: Sendable, Equatable {
    public var sequence: Int64
    public var id: String
    public var merchantId: String
    public var paymentId: String
    public var type: String
    public var createdAt: Date
    public var body: [UInt8]
}

/// A notification due for delivery.
public struct DueNotification: Sendable, Equatable {
    public var eventId: String
    public var merchantId: String
    public var url: String
    public var body: [UInt8]
    /// Tries made so far.
    public var attempts: Int
}

/// What one delivery try did.
public struct DeliveryAttempt: Sendable, Equatable {
    public var eventId: String
    public var at: Date
    public var httpStatus: Int?
    public var error: String?
    public var durationMs: Int
    /// Pasarela would not call the URL (the outbound policy refused where it points now): the notification ends
    /// `refused`, not retried, until the merchant fixes the URL and asks for it again.
    public var refused: Bool
    public init(eventId: String, at: Date, httpStatus: Int?, error: String?, durationMs: Int, refused: Bool = false) {
        self.eventId = eventId
        self.at = at
        self.httpStatus = httpStatus
        self.error = error
        self.durationMs = durationMs
        self.refused = refused
    }

    public var delivered: Bool { httpStatus.map { (200..<300).contains($0) } ?? false }
}

/// The delivery state of one event's notification.
public struct NotificationState: Sendable, Equatable {
    public var url: String
    /// `pending`, `delivered` or `failed` (gave up; can be redelivered).
    public var state: String
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var deliveredAt: Date?
    public var tries: [DeliveryAttempt]
}

/// A verified webhook event that matched no payment, kept for operators.
public struct OrphanedWebhook: Sendable, Equatable {
    public var connection: String
    public var pspPaymentId: String
    public var pspStatus: String
    public var dedupeKey: String
    public var receivedAt: Date
    public var body: [UInt8]
}
