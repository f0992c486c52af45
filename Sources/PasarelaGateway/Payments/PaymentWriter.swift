import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import PasarelaStore

/// How a fact's decision is written beyond the payment itself.
struct WriteOptions: Sendable {
    /// The webhook event the fact came from, recorded with its verdict in the same transaction.
    var inbox: (@Sendable (Decision) -> InboxEntry)?
    /// The final reply of the request that states the fact (its idempotency key), rendered from the payment after it.
    var reply: (@Sendable (StoredPayment) -> IdempotencyReply)?
    /// The reconciler's write: settle a create key whose request died, and count this look when it learnt nothing.
    var isLook = false
    /// The create path's last write: its lease on the payment ends.
    var endsLease = false
    /// Transcripts of the PSP calls the fact came from, kept in the same transaction.
    var calls: [RecordedCall] = []
}

/// What writing a fact did.
public struct Applied: Sendable {
    public var decision: Decision
    /// The payment as stored after the write (or as read, when nothing was written).
    public var stored: StoredPayment
    /// `duplicate` when the webhook event was recorded before.
    public var result: CommitResult
}

/// The one writer of payment state. Every use case states what happened as a ``PaymentFact``; this reads the payment,
/// lets ``PaymentMachine`` decide, schedules the next look (``LookSchedule``), renders the events the decision announces
/// and writes it all by compare-and-set in one transaction.
public final class PaymentWriter: Sendable {
    let ledger: any PaymentLedger & WebhookInbox
    let merchants: MerchantBook
    let live: LiveConfigs
    /// Woken after events are committed, so their notifications leave at once.
    let outbox: OutboxSignal
    /// Where a webhook event found recorded meanwhile is counted.
    let duplicates: DuplicateCounter
    let logger: Logger
    let now: @Sendable () -> Date

    init(ledger: any PaymentLedger & WebhookInbox, merchants: MerchantBook, live: LiveConfigs, outbox: OutboxSignal,
         duplicates: DuplicateCounter, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.ledger = ledger
        self.duplicates = duplicates
        self.merchants = merchants
        self.live = live
        self.outbox = outbox
        self.logger = logger
        self.now = now
    }

    /// The one way a payment changes: read it, let ``PaymentMachine`` decide what `fact` does, and write that decision by
    /// compare-and-set on the version read. When someone else wrote first (or refunds grew past what the read saw), the
    /// same fact is decided again on the payment as the store holds it, in a transaction that holds the payment
    /// (``PaymentLedger/commitHolding(paymentId:_:)``): writers of one payment that contend are serialised there, so no
    /// retry can run out however many arrive at once. A decision that changes nothing is recorded (inbox, replies)
    /// without touching the row.
    /// - Parameters:
    ///   - current: a read the caller already holds, used for the first decision.
    public func apply(_ fact: PaymentFact, to paymentId: String, current: StoredPayment? = nil) async throws -> Applied {
        try await apply(fact, to: paymentId, current: current, options: WriteOptions())
    }

    func apply(_ fact: PaymentFact, to paymentId: String, current: StoredPayment? = nil,
               options: WriteOptions) async throws -> Applied {
        var read = current
        if read == nil { read = try await ledger.payment(id: paymentId, merchantId: nil) }
        guard let stored = read else { throw GatewayFailure.paymentVanished(paymentId) }
        let merchant = await merchants.merchantInfo(id: stored.payment.merchantId)
        let optimistic = try prepare(fact, on: stored, merchant: merchant, options: options)
        var result = CommitResult.committed
        if let write = optimistic.write { result = try await ledger.commit(write) }
        switch result {
        case .committed, .duplicate:
            return try await finished(optimistic.applied(result), write: optimistic.write)
        case .conflict, .refundCeilingExceeded:
            logger.debug("payment changed meanwhile; deciding again while holding it", metadata: ["payment": .string(paymentId)])
        }
        let (prepared, held) = try await ledger.commitHolding(paymentId: paymentId) { [self] stored in
            guard let stored else { throw GatewayFailure.paymentVanished(paymentId) }
            let prepared = try prepare(fact, on: stored, merchant: merchant, options: options)
            return (prepared.write, prepared)
        }
        return try await finished(prepared.applied(held), write: prepared.write)
    }

    /// After a commit: the outbox woken for new notifications, a repeated webhook event counted.
    func finished(_ applied: Applied, write: PaymentWrite?) async throws -> Applied {
        switch applied.result {
        case .committed:
            // Only events with somewhere to go queue a notification: the others give the dispatcher nothing to claim.
            if write?.events.contains(where: { $0.notificationURL != nil }) == true { outbox.wake() }
        case .duplicate:
            // Another delivery of the event was recorded between the duplicate check and this decision, which was rolled
            // back whole: the repeat is counted here (a write of the inbox row alone counts it itself).
            if let write, write.payment != nil, let inbox = write.inbox {
                duplicates.count(InboxKey(connection: inbox.connection, dedupeKey: inbox.dedupeKey))
            }
        case .conflict, .refundCeilingExceeded:
            break
        }
        return applied
    }

    /// One fact decided on one read of the payment, and the write that records it (`nil`: nothing to write).
    struct Prepared: Sendable {
        var decision: Decision
        var before: StoredPayment
        var after: StoredPayment
        var write: PaymentWrite?

        func applied(_ result: CommitResult) -> Applied {
            Applied(decision: decision, stored: result == .committed && write?.payment != nil ? after : before, result: result)
        }
    }

    /// Decides `fact` on `stored` and builds the write: the payment by compare-and-set on the version read, with the
    /// decision's attempts, refunds, events (rendered for `merchant`), the webhook's inbox row, the request's reply and
    /// the calls' transcripts.
    func prepare(_ fact: PaymentFact, on stored: StoredPayment, merchant: Merchant?, options: WriteOptions) throws -> Prepared {
        let at = now()
        var (decision, after) = decide(fact, on: stored, at: at, options: options)
        if !decision.writes, after.payment == stored.payment, options.reply == nil {
            // Nothing to write but, for a webhook, its record, and the transcripts of the calls.
            let inbox = options.inbox?(decision)
            guard inbox != nil || !options.calls.isEmpty else { return Prepared(decision: decision, before: stored, after: stored, write: nil) }
            var write = PaymentWrite(payment: nil, expectedVersion: stored.payment.version, inbox: inbox)
            write.calls = options.calls
            return Prepared(decision: decision, before: stored, after: stored, write: write)
        }
        after.payment.version = stored.payment.version + 1
        let statusEvents = decision.events.map { type in
            EventResource.make(type, for: after, merchant: merchant, at: at, reason: type == .cancelFailed ? decision.cancelFailure : nil)
        }
        let events = statusEvents + decision.refundEvents.compactMap { EventResource.make($0, for: after, merchant: merchant, at: at) }
        var write = PaymentWrite(
            payment: after.payment, expectedVersion: stored.payment.version, attempts: decision.changedAttempts, events: events,
            inbox: options.inbox?(decision), reply: options.reply?(after),
            settleOpenCreateKey: options.isLook && after.payment.status != .processing
                ? IdempotencyReply(key: "", status: 201, body: PaymentResource.json(after).bytes) : nil)
        write.refunds = decision.changedRefunds
        write.calls = options.calls
        write.endsLease = options.endsLease
        // The store checks again, in the same transaction, that refunds never add up to more than was captured.
        if !decision.changedRefunds.isEmpty { write.refundCeiling = after.captured.minorUnits }
        return Prepared(decision: decision, before: stored, after: after, write: write)
    }

    /// What `fact` makes of `stored` (the machine's decision) and the payment after it, with its next look scheduled
    /// (``LookSchedule``) by its connection's policy.
    func decide(_ fact: PaymentFact, on stored: StoredPayment, at: Date, options: WriteOptions) -> (Decision, StoredPayment) {
        let decision = PaymentMachine.apply(fact, to: stored, now: at)
        var after = decision.stored
        LookSchedule.schedule(&after, before: stored.payment, decision: decision, policy: live.current.lookPolicy(after), now: at,
                              write: LookSchedule.Write(isLook: options.isLook, endsLease: options.endsLease),
                              draw: Double.random(in: 0..<1))
        return (decision, after)
    }
}

/// Failures of the gateway itself (never a merchant's or a PSP's): logged, answered 500.
enum GatewayFailure: Error, CustomStringConvertible {
    case paymentVanished(String)

    var description: String {
        switch self {
        case .paymentVanished(let id): "payment \(id) is not in the store"
        }
    }
}
