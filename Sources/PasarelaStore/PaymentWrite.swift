import Foundation
import PasarelaCore

/// One decision to write in one transaction.
public struct PaymentWrite: Sendable {
    /// The payment's new row, written only if the stored version is still `expectedVersion`; `nil` writes no payment
    /// (an orphaned webhook).
    public var payment: Payment?
    /// The version the decision was made on.
    public var expectedVersion: Int
    /// Attempts to insert or update.
    public var attempts: [Attempt]
    /// Refunds to insert or update. Refunds not failed may not add up to more than `refundCeiling` (minor units): the
    /// store checks it in the same transaction and refuses the whole write otherwise.
    public var refunds: [Refund] = []
    public var refundCeiling: Int64?
    /// Events announcing the payment's new statuses, with their notifications.
    public var events: [NewEvent]
    /// The webhook event this decision records; its (connection, dedupe key) is unique.
    public var inbox: InboxEntry?
    /// The final reply of the request that made this decision, for its idempotency key.
    public var reply: IdempotencyReply?
    /// The reconciler's settlement of a create key its request left unanswered (it died): a retry with the key then
    /// gets this reply, the payment as it stands, instead of "in flight" forever. The reply's `key` is not used.
    public var settleOpenCreateKey: IdempotencyReply?
    /// Transcripts of the PSP calls this decision was made on, kept in the same transaction.
    public var calls: [RecordedCall] = []
    /// The create path's last write: its lease on the payment ends (`lease_until` is otherwise left as the lease's
    /// keeper last renewed it, never written back from an older read).
    public var endsLease = false

    public init(payment: Payment?, expectedVersion: Int, attempts: [Attempt] = [], events: [NewEvent] = [], inbox: InboxEntry? = nil,
                reply: IdempotencyReply? = nil, settleOpenCreateKey: IdempotencyReply? = nil) {
        self.payment = payment
        self.expectedVersion = expectedVersion
        self.attempts = attempts
        self.events = events
        self.inbox = inbox
        self.reply = reply
        self.settleOpenCreateKey = settleOpenCreateKey
    }
}

/// What a commit did.
public enum CommitResult: Sendable, Equatable {
    case committed
    /// Someone else wrote the payment since it was read: read it again and apply the same fact again.
    case conflict
    /// The webhook event was recorded before (the repeat is counted when nothing else was to be written; otherwise the
    /// caller counts it): nothing was written.
    case duplicate
    /// Refunds would add up to more than the ceiling: nothing was written.
    case refundCeilingExceeded
}

/// A verified webhook event as recorded, with what became of it.
public struct InboxEntry: Sendable {
    public var connection: String
    public var dedupeKey: String
    public var pspPaymentId: String
    public var paymentId: String?
    public var pspStatus: String
    /// `applied`, `recorded`, `ignored`, `flagged`, `orphaned`.
    public var result: String
    public var reason: String?
    public var body: [UInt8]
    public var receivedAt: Date

    public init(connection: String, dedupeKey: String, pspPaymentId: String, paymentId: String?, pspStatus: String, result: String,
                reason: String?, body: [UInt8], receivedAt: Date) {
        self.connection = connection
        self.dedupeKey = dedupeKey
        self.pspPaymentId = pspPaymentId
        self.paymentId = paymentId
        self.pspStatus = pspStatus
        self.result = result
        self.reason = reason
        self.body = body
        self.receivedAt = receivedAt
    }
}

/// Where a PSP refund belongs.
public struct RefundRef: Sendable, Equatable {
    public var paymentId: String
    public var refundId: String
    public init(paymentId: String, refundId: String) {
        self.paymentId = paymentId
        self.refundId = refundId
    }
}

/// Where a PSP payment belongs.
public struct AttemptRef: Sendable, Equatable {
    public var paymentId: String
    public var attemptId: String
    public init(paymentId: String, attemptId: String) {
        self.paymentId = paymentId
        self.attemptId = attemptId
    }
}

/// An `Idempotency-Key` with the hash of the request it came with, and until when its request holds it.
public struct IdempotencyClaim: Sendable {
    public var key: String
    public var requestHash: String
    public var leaseUntil: Date?
    public init(key: String, requestHash: String, leaseUntil: Date? = nil) {
        self.key = key
        self.requestHash = requestHash
        self.leaseUntil = leaseUntil
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
    /// The key was used before with the same body and that request is still running (its lease has not ended).
    case inFlight(paymentId: String)
    /// The key was used before with the same body, its request died without replying, and its lease ended.
    case abandoned(paymentId: String)
    /// The key was used before with a different body (or for another operation).
    case mismatch
}

/// What claiming a key for a command found.
public typealias ClaimResult = CreateResult

/// An idempotency key still without a reply.
public struct InFlightKey: Sendable, Equatable {
    public var merchantId: String
    public var key: String
    public var paymentId: String
    public var operation: String
}
