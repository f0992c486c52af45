import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// What a merchant reads: its payments, their attempts with the PSP calls made for them, refunds, events and their
/// deliveries; and sending an event's notification again. Each read is of the merchant's own objects only.
public final class PaymentReads: Sendable {
    let store: any PaymentLedger & PaymentQueries & RefundQueries & Outbox & CallLog
    let outbox: OutboxSignal
    let now: @Sendable () -> Date

    init(store: any PaymentLedger & PaymentQueries & RefundQueries & Outbox & CallLog, outbox: OutboxSignal, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.outbox = outbox
        self.now = now
    }

    /// A page of results and whether more follow.
    public struct Page<Item: Sendable>: Sendable {
        public var items: [Item]
        public var hasMore: Bool
    }

    /// One of the merchant's payments.
    public func payment(id: String, merchant: Merchant) async throws -> StoredPayment {
        guard let stored = try await store.payment(id: id, merchantId: merchant.id) else { throw CommandError.notFound("payment", id: id) }
        return stored
    }

    /// The merchant's payments, newest first, after the payment `startingAfter` (which must be the merchant's).
    public func payments(orderId: String?, status: PaymentStatus?, startingAfter: String?, limit: Int,
                         merchant: Merchant) async throws -> Page<StoredPayment> {
        if let startingAfter, try await store.payment(id: startingAfter, merchantId: merchant.id) == nil {
            throw CommandError.notFound("payment", id: startingAfter, param: "starting_after")
        }
        let rows = try await store.payments(merchantId: merchant.id, orderId: orderId, status: status, startingAfter: startingAfter,
                                            limit: limit + 1)
        return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
    }

    /// One attempt of a payment and every PSP call made for it (the create, lookups and replays, and the cancel, capture
    /// and refund calls on its PSP payment), each a redacted transcript: what a merchant hands a PSP's support desk.
    public func attempt(paymentId: String, attemptId: String, merchant: Merchant) async throws -> (Attempt, [RecordedCall]) {
        let stored = try await payment(id: paymentId, merchant: merchant)
        guard let attempt = stored.attempt(attemptId) else { throw CommandError.notFound("attempt", id: attemptId, param: "attempt_id") }
        return (attempt, try await store.calls(paymentId: paymentId, attemptId: attempt.id))
    }

    /// A payment's refunds, oldest first.
    public func refunds(paymentId: String, merchant: Merchant) async throws -> [Refund] {
        try await payment(id: paymentId, merchant: merchant).refunds
    }

    public func refund(id: String, merchant: Merchant) async throws -> Refund {
        guard let refund = try await store.refund(id: id, merchantId: merchant.id) else { throw CommandError.notFound("refund", id: id) }
        return refund
    }

    /// The merchant's events (one payment's, when given), oldest first, after the event `since`.
    public func events(merchant: Merchant, paymentId: String?, since: String?, limit: Int) async throws -> Page<StoredEvent> {
        if let paymentId { _ = try await payment(id: paymentId, merchant: merchant) }
        if let since, try await store.event(id: since, merchantId: merchant.id) == nil {
            throw CommandError.notFound("event", id: since, param: "since")
        }
        let rows = try await store.events(merchantId: merchant.id, paymentId: paymentId, after: since, limit: limit + 1)
        return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
    }

    /// One event with its notification's delivery record.
    public func event(id: String, merchant: Merchant) async throws -> (StoredEvent, NotificationState?) {
        guard let found = try await store.event(id: id, merchantId: merchant.id) else { throw CommandError.notFound("event", id: id) }
        return found
    }

    /// Makes the event's notification due now and wakes the dispatcher.
    public func redeliver(id: String, merchant: Merchant) async throws -> (StoredEvent, NotificationState?) {
        _ = try await event(id: id, merchant: merchant)
        guard try await store.redeliver(eventId: id, merchantId: merchant.id, now: now()) else { throw CommandError.noNotificationURL }
        outbox.wake()
        return try await event(id: id, merchant: merchant)
    }
}
