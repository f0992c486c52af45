import Foundation
import PasarelaCore

/// Durable storage of payments, attempts, idempotency keys, webhook events and merchant events. Every method is one
/// transaction: it commits whole or not at all, and returns only once its data is on disk. The store decides nothing
/// about payments: ``PaymentMachine`` does, and ``commit(_:)`` writes its decision by compare-and-set.
public protocol PaymentStore: Sendable {
    /// Inserts a new payment (status `processing`, before any PSP is called), claiming the idempotency key if given.
    /// - Returns: `.created`, or what the key already holds.
    func create(_ payment: Payment, idempotency: IdempotencyClaim?) async throws -> CreateResult

    /// Writes one decision: the payment by compare-and-set on the version it was read at, its attempts, the events that
    /// announce it, the webhook inbox entry and idempotency replies, all in one transaction.
    func commit(_ write: PaymentWrite) async throws -> CommitResult

    /// A payment and its attempts, if it exists (and belongs to `merchantId` when given).
    func payment(id: String, merchantId: String?) async throws -> StoredPayment?

    /// A merchant's payments, newest first, optionally only those for one order id or in one status, and only those
    /// older than the payment `startingAfter` (cursor paging).
    func payments(merchantId: String, orderId: String?, status: PaymentStatus?, startingAfter: String?, limit: Int) async throws -> [StoredPayment]

    /// The payment and attempt a PSP's payment belongs to: by the PSP's id, else by our reference (the attempt id).
    func attempt(connection: String, pspPaymentId: String, reference: String?) async throws -> AttemptRef?

    /// The payment and refund a PSP's refund belongs to: by the PSP's refund id, else by our reference (the refund id).
    func refund(connection: String, pspRefundId: String?, reference: String?) async throws -> RefundRef?

    /// One refund of a merchant.
    func refund(id: String, merchantId: String) async throws -> Refund?

    /// Payments whose next reconciler look is due, oldest due first.
    func dueForReconcile(now: Date, limit: Int) async throws -> [StoredPayment]

    /// Payments not in a final status, or with a refund pending, by id, after the payment `after` when given.
    func openPayments(after: String?, limit: Int) async throws -> [StoredPayment]

    /// Claims an idempotency key for a command on an existing payment (cancel), holding it until `leaseUntil`.
    func claim(_ claim: IdempotencyClaim, merchantId: String, paymentId: String, operation: String, leaseUntil: Date) async throws -> ClaimResult

    /// Forgets a key whose request ended with nothing to replay (the PSP gave no answer), so a retry runs again.
    func release(key: String, merchantId: String) async throws

    /// Stores `reply` for a key whose request left it unanswered, unless a reply is already stored.
    /// - Returns: the reply the key now holds.
    func settle(key: String, merchantId: String, reply: IdempotencyReply) async throws -> IdempotencyReply

    /// Whether a webhook event was recorded before; a repeat is counted.
    func recordIfDuplicate(connection: String, dedupeKey: String) async throws -> Bool

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

    /// How many webhook events were recorded per result (`applied`, `ignored`, `flagged`, `orphaned`...) for a connection,
    /// and how many repeats of recorded events arrived (`duplicate`).
    func webhookCounts(connection: String) async throws -> [String: Int]

    /// Idempotency keys whose request never stored a reply, for checks after a crash.
    func keysInFlight() async throws -> [InFlightKey]
}

extension PaymentStore {
    public func payments(merchantId: String, orderId: String?, limit: Int) async throws -> [StoredPayment] {
        try await payments(merchantId: merchantId, orderId: orderId, status: nil, startingAfter: nil, limit: limit)
    }

    public func payment(id: String, merchantId: String) async throws -> StoredPayment? {
        try await payment(id: id, merchantId: Optional(merchantId))
    }
}
