import Foundation
import PasarelaCore

/// Durable storage of payments, attempts, idempotency keys and webhook events. Every method is one
/// transaction: it commits whole or not at all, and returns only once its data is on disk.
public protocol PaymentStore: Sendable {
    /// Inserts a new payment (status `processing`, before any PSP is called), claiming the idempotency key if given.
    /// - Returns: `.created`, or what the key already holds.
    func create(_ payment: Payment, idempotency: IdempotencyClaim?) async throws -> CreateResult

    /// Writes the payment, its attempts and, when given, the final reply for its idempotency key and the event
    /// announcing the new status (with its pending notification), together.
    func save(_ payment: Payment, attempts: [Attempt], reply: IdempotencyReply?, event: NewEvent?) async throws

    /// A payment and its attempts, if it exists and belongs to `merchantId`.
    func payment(id: String, merchantId: String) async throws -> StoredPayment?

    /// A merchant's payments, newest first, optionally only those for one order id or in one status, and only those
    /// older than the payment `startingAfter` (cursor paging).
    func payments(merchantId: String, orderId: String?, status: PaymentStatus?, startingAfter: String?, limit: Int) async throws -> [StoredPayment]

    /// Records a verified PSP event and applies it by the transition table, deduplicated on
    /// (`connection`, `event.dedupeKey`). An applied change writes the event `render` builds, in the same transaction.
    func apply(_ event: PSPEventRecord, render: @escaping EventRenderer) async throws -> WebhookResult

    /// A merchant's events, oldest first, after the event `after` (by its id) when given.
    func events(merchantId: String, paymentId: String?, after: String?, limit: Int) async throws -> [StoredEvent]

    /// One event of a merchant with its notification's delivery state.
    func event(id: String, merchantId: String) async throws -> (StoredEvent, NotificationState?)?

    /// Notifications whose next try is due, oldest first.
    func dueNotifications(now: Date, limit: Int) async throws -> [DueNotification]

    /// Records a delivery try; `retryAt` schedules the next one, `nil` ends the notification (delivered, or given up).
    func record(_ attempt: DeliveryAttempt, retryAt: Date?) async throws

    /// Makes an event's notification due now again.
    /// - Returns: `false` when the event is unknown to the merchant or has no notification URL.
    func redeliver(eventId: String, merchantId: String, now: Date) async throws -> Bool

    /// Verified webhook events that matched no payment, newest first.
    func orphanedWebhooks(limit: Int) async throws -> [OrphanedWebhook]

    /// How many webhook events were recorded per result (`applied`, `ignored`, `flagged`, `orphaned`) for a connection,
    /// and how many repeats of recorded events arrived (`duplicate`).
    func webhookCounts(connection: String) async throws -> [String: Int]
}

extension PaymentStore {
    public func payments(merchantId: String, orderId: String?, limit: Int) async throws -> [StoredPayment] {
        try await payments(merchantId: merchantId, orderId: orderId, status: nil, startingAfter: nil, limit: limit)
    }

    public func save(_ payment: Payment, attempts: [Attempt], reply: IdempotencyReply?) async throws {
        try await save(payment, attempts: attempts, reply: reply, event: nil)
    }
}

/// A payment with its attempts, oldest attempt first.
public struct StoredPayment: Sendable, Equatable {
    public var payment: Payment
    public var attempts: [Attempt]
    public init(payment: Payment, attempts: [Attempt]) {
        self.payment = payment
        self.attempts = attempts
    }
}

/// An `Idempotency-Key` with the hash of the request body it came with.
public struct IdempotencyClaim: Sendable {
    public var key: String
    public var requestHash: String
    public init(key: String, requestHash: String) {
        self.key = key
        self.requestHash = requestHash
    }
}

/// The reply stored for an idempotency key, replayed byte for byte.
public struct IdempotencyReply: Sendable, Equatable {
    public var key: String
    public var status: Int
    public var body: [UInt8]
    public init(key: String, status: Int, body: [UInt8]) {
        self.key = key
        self.status = status
        self.body = body
    }
}

public enum CreateResult: Sendable, Equatable {
    case created
    /// The key was used before with the same body and its reply is final.
    case replay(IdempotencyReply)
    /// The key was used before with the same body and that request is still running.
    case inFlight(paymentId: String)
    /// The key was used before with a different body.
    case mismatch
}

/// A verified event to record, with the raw body kept for audit.
public struct PSPEventRecord: Sendable {
    public var connection: String
    public var event: PSPEvent
    public var rawBody: [UInt8]
    public var receivedAt: Date
    public init(connection: String, event: PSPEvent, rawBody: [UInt8], receivedAt: Date) {
        self.connection = connection
        self.event = event
        self.rawBody = rawBody
        self.receivedAt = receivedAt
    }
}

public enum WebhookResult: Sendable, Equatable {
    /// The payment moved to a new status.
    case applied(paymentId: String, status: PaymentStatus)
    /// Recorded, nothing changed, for this reason.
    case ignored(paymentId: String, reason: String)
    /// Recorded, nothing changed, payment flagged for review.
    case flagged(paymentId: String, reason: String)
    /// The same event was received before.
    case duplicate
    /// No payment matches; recorded for operators.
    case orphaned
}
