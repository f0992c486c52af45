import Foundation
import PasarelaCore

/// Payment state: a payment is created once, then changed only by commits of the transition function's decisions.
/// The store decides nothing about payments: ``PaymentMachine`` does. Promises: a commit is one transaction, written by
/// compare-and-set on the version it was decided on, its webhook event recorded once by a unique constraint, refunds
/// never above the ceiling (checked in the same transaction), and nothing acknowledged before it is durable.
public protocol PaymentLedger: Sendable {
    /// Inserts a new payment (status `processing`, before any PSP is called) with the attempts it starts with, claiming
    /// the idempotency key if given, in one transaction.
    /// - Returns: `.created`, or what the key already holds (nothing written then).
    func create(_ payment: Payment, attempts: [Attempt], idempotency: IdempotencyClaim?) async throws -> CreateResult

    /// Writes one decision: the payment by compare-and-set on the version it was read at, its attempts and refunds, the
    /// events that announce it, the webhook inbox entry and idempotency replies, all in one transaction.
    func commit(_ write: PaymentWrite) async throws -> CommitResult

    /// Reads the payment and writes what `decide` makes of it in one transaction that holds the payment: no other writer
    /// changes it in between (SQLite's one writer; PostgreSQL's row lock, `SELECT … FOR UPDATE`), so the write cannot
    /// lose its compare-and-set. For the writers of a payment that contend: one whose ``commit(_:)`` lost decides again
    /// here, once, instead of retrying a bounded number of times that load can exhaust.
    /// - Parameter decide: called with the payment as stored (`nil` when there is none); returns the write (`nil`: none)
    ///   and what to hand back with the result.
    func commitHolding<T: Sendable>(paymentId: String,
                                    _ decide: @escaping @Sendable (StoredPayment?) throws -> (PaymentWrite?, T)) async throws -> (T, CommitResult)

    /// A payment and its attempts and refunds, if it exists (and belongs to `merchantId` when given).
    func payment(id: String, merchantId: String?) async throws -> StoredPayment?

    /// The payment and attempt a PSP's payment belongs to: by the PSP's id, else by our reference (the attempt id).
    func attempt(connection: String, pspPaymentId: String, reference: String?) async throws -> AttemptRef?

    /// The attempt as ``attempt(connection:pspPaymentId:reference:)`` finds it, with its payment as
    /// ``payment(id:merchantId:)`` reads it, in one read.
    func paymentOf(connection: String, pspPaymentId: String, reference: String?) async throws -> (AttemptRef, StoredPayment)?
}

/// Idempotency keys of merchant commands (the create's key is taken with its payment). Promise: one key, one request, by
/// a unique constraint; what an existing key means is decided above the store (``IdempotencyRecord``).
public protocol IdempotencyKeys: Sendable {
    /// Claims a key for a command on an existing payment, holding it until `leaseUntil`.
    func claim(_ claim: IdempotencyClaim, merchantId: String, paymentId: String, operation: String, leaseUntil: Date) async throws -> ClaimResult

    /// Forgets a key whose request ended with nothing to replay (the PSP gave no answer), so a retry runs again.
    func release(key: String, merchantId: String) async throws

    /// Stores `reply` for a key whose request left it unanswered, unless a reply is already stored.
    /// - Returns: the reply the key now holds.
    func settle(key: String, merchantId: String, reply: IdempotencyReply) async throws -> IdempotencyReply

    /// Idempotency keys whose request never stored a reply, for checks after a crash.
    func keysInFlight() async throws -> [InFlightKey]

    /// Extends running requests' holds on their keys (still without a reply) and, for creates, on their payments (still
    /// held), to `until`, in one write: an instance renews them while its requests live, so they lapse soon after it dies.
    func renewLeases(_ holds: [LeaseHold], until: Date) async throws
}

/// Verified PSP webhook events (recorded by ``PaymentLedger/commit(_:)`` with what they decided).
public protocol WebhookInbox: Sendable {
    /// Whether a webhook event was recorded before: a read, so a repeat costs no write (its count is added later by
    /// ``addDuplicates(_:)``).
    func isRecorded(connection: String, dedupeKey: String) async throws -> Bool

    /// Adds repeats counted elsewhere to their recorded events, in one transaction.
    func addDuplicates(_ counts: [InboxKey: Int]) async throws

    /// Verified webhook events that matched no payment, newest first.
    func orphanedWebhooks(limit: Int) async throws -> [OrphanedWebhook]

    /// How many webhook events were recorded per result (`applied`, `ignored`, `flagged`, `orphaned`...) for a connection,
    /// and how many repeats of recorded events arrived (`duplicate`).
    func webhookCounts(connection: String) async throws -> [String: Int]
}

/// A recorded webhook event's identity: its connection and the PSP's dedupe key.
public struct InboxKey: Sendable, Hashable {
    public var connection: String
    public var dedupeKey: String

    public init(connection: String, dedupeKey: String) {
        self.connection = connection
        self.dedupeKey = dedupeKey
    }
}

/// Merchant events and their notifications. Promise: a notification is claimed by one dispatcher at a time, for a
/// lease; one left by a dispatcher that died is due again when its lease ends.
public protocol Outbox: Sendable {
    /// A merchant's events, oldest first, after the event `after` (by its id) when given.
    func events(merchantId: String, paymentId: String?, after: String?, limit: Int) async throws -> [StoredEvent]

    /// One event of a merchant with its notification's delivery state.
    func event(id: String, merchantId: String) async throws -> (StoredEvent, NotificationState?)?

    /// Claims notifications due now, oldest due first: no other dispatcher gets them before `leaseUntil`.
    func claimNotifications(now: Date, limit: Int, leaseUntil: Date) async throws -> [DueNotification]

    /// Records a delivery try; `retryAt` schedules the next one, `nil` ends the notification (delivered, or given up).
    func record(_ attempt: DeliveryAttempt, retryAt: Date?) async throws

    /// Notifications not yet delivered or given up, and the earliest due time among them.
    func outboxBacklog(now: Date) async throws -> OutboxBacklog

    /// Notifications the outbound policy refused to send, per merchant and URL (`pasarela doctor` names them).
    func refusedNotifications() async throws -> [RefusedNotifications]

    /// Makes an event's notification due now again.
    /// - Returns: `false` when the event is unknown to the merchant or has no notification URL.
    func redeliver(eventId: String, merchantId: String, now: Date) async throws -> Bool
}

/// The reconciler's work. Promise: a payment due for a look is claimed by one reconciler at a time, for a lease.
public protocol ReconcilerQueue: Sendable {
    /// Claims payments whose next look is due, oldest due first, leaving those a running request still holds: their next
    /// look moves to `leaseUntil`, so no other reconciler takes them meanwhile, and one that dies leaves them due again then.
    /// A claim is a write like any other: it bumps the payment's version, so a decision made on a read from before it
    /// (which could carry the old due time back) loses its compare-and-set and is made again.
    func claimDue(now: Date, limit: Int, leaseUntil: Date) async throws -> [StoredPayment]

    /// Payments not in a final status, or with a refund pending, by id, after the payment `after` when given.
    func openPayments(after: String?, limit: Int) async throws -> [StoredPayment]
}

/// Refunds as merchants and PSPs name them (they are written with their payment by ``PaymentLedger/commit(_:)``).
public protocol RefundQueries: Sendable {
    /// The payment and refund a PSP's refund belongs to: by the PSP's refund id, else by our reference (the refund id).
    func refund(connection: String, pspRefundId: String?, reference: String?) async throws -> RefundRef?

    /// One refund of a merchant.
    func refund(id: String, merchantId: String) async throws -> Refund?
}

/// Lists of payments for merchants.
public protocol PaymentQueries: Sendable {
    /// A merchant's payments, newest first, optionally only those for one order id or in one status, and only those
    /// older than the payment `startingAfter` (cursor paging).
    func payments(merchantId: String, orderId: String?, status: PaymentStatus?, startingAfter: String?, limit: Int) async throws -> [StoredPayment]
}

/// What Pasarela sent to PSPs and what came back, redacted, per payment and attempt (for a PSP's support desk).
/// Append-only; a call that cannot be recorded never fails its payment.
public protocol CallLog: Sendable {
    func recordCall(_ call: RecordedCall) async throws
    /// A payment's calls, oldest first, only the attempt's when `attemptId` is given.
    func calls(paymentId: String, attemptId: String?) async throws -> [RecordedCall]
}

/// One PSP call as recorded: whose it was and its transcript (JSON, already redacted).
public struct RecordedCall: Sendable, Equatable {
    public var paymentId: String
    public var attemptId: String?
    public var connection: String
    public var flow: String
    public var at: Date
    public var transcript: [UInt8]

    public init(paymentId: String, attemptId: String?, connection: String, flow: String, at: Date, transcript: [UInt8]) {
        self.paymentId = paymentId
        self.attemptId = attemptId
        self.connection = connection
        self.flow = flow
        self.at = at
        self.transcript = transcript
    }
}

/// What a running request holds: its idempotency key and, for a create, its payment.
public struct LeaseHold: Sendable, Equatable {
    public var merchantId: String
    public var key: String?
    public var paymentId: String?

    public init(merchantId: String, key: String?, paymentId: String?) {
        self.merchantId = merchantId
        self.key = key
        self.paymentId = paymentId
    }
}

/// A merchant's notifications refused at one URL: how many, and the last reason.
public struct RefusedNotifications: Sendable, Equatable {
    public var merchantId: String
    public var url: String
    public var count: Int
    public var reason: String

    public init(merchantId: String, url: String, count: Int, reason: String) {
        self.merchantId = merchantId
        self.url = url
        self.count = count
        self.reason = reason
    }
}

/// The outbox's backlog.
public struct OutboxBacklog: Sendable, Equatable {
    public var pending: Int
    public var oldestDue: Date?
    public init(pending: Int, oldestDue: Date?) {
        self.pending = pending
        self.oldestDue = oldestDue
    }
}

/// Whether the database answers now.
public protocol StoreHealth: Sendable {
    /// Throws ``StoreError/unavailable(_:)`` when the database cannot be reached.
    func ping() async throws
}

/// What a running gateway records for the tools that share its database: its public URL (`public_url`), so that
/// `pasarela reconcile --once` tells PSPs the webhook URL the gateway serves under.
public protocol GatewaySettings: Sendable {
    func setting(_ name: String) async throws -> String?
    func setSetting(_ name: String, to value: String, at: Date) async throws
}

/// Everything the gateway keeps, by role; ``SQLiteStore`` and ``PostgresStore`` keep all of it.
public typealias PaymentStore = PaymentLedger & IdempotencyKeys & WebhookInbox & Outbox & ReconcilerQueue & RefundQueries & PaymentQueries
    & SettlementStore & StoreHealth & CallLog & MerchantStore & GatewaySettings & OperatorStore & ConsoleQueries

extension PaymentQueries {
    public func payments(merchantId: String, orderId: String?, limit: Int) async throws -> [StoredPayment] {
        try await payments(merchantId: merchantId, orderId: orderId, status: nil, startingAfter: nil, limit: limit)
    }
}

extension PaymentLedger {
    public func payment(id: String, merchantId: String) async throws -> StoredPayment? {
        try await payment(id: id, merchantId: Optional(merchantId))
    }
}

extension PaymentLedger {
    /// Inserts a new payment with no attempt yet.
    public func create(_ payment: Payment, idempotency: IdempotencyClaim?) async throws -> CreateResult {
        try await create(payment, attempts: [], idempotency: idempotency)
    }
}
