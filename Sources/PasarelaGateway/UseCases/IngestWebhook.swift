import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// What became of one verified webhook event.
public enum WebhookOutcome: Sendable, Equatable {
    /// The payment moved to this status.
    case applied(PaymentStatus)
    /// The status stayed, but what the payment knows of its PSP grew (an id, a voucher).
    case recorded
    /// Recorded, nothing changed, for this reason.
    case ignored(NoChangeReason)
    /// Recorded, nothing changed, payment flagged for review.
    case flagged(ReviewReason)
    /// The same event was received before.
    case duplicate
    /// No payment matches; recorded for operators.
    case orphaned

    /// The inbox's `result` and the reply's word.
    public var label: String {
        switch self {
        case .applied: "applied"
        case .recorded: "recorded"
        case .ignored: "ignored"
        case .flagged(let reason): reason == .amountUnreadable ? "amount_unreadable" : "flagged"
        case .duplicate: "duplicate"
        case .orphaned: "orphaned"
        }
    }

    /// The reason, for the inbox and the logs.
    public var reason: String? {
        switch self {
        case .ignored(let reason): reason.message
        case .flagged(let reason): reason.message
        case .applied, .recorded, .duplicate, .orphaned: nil
        }
    }

    /// `applied:succeeded`, `ignored: payment is already …`: the words the webhook reply lists.
    public var description: String {
        switch self {
        case .applied(let status): "applied:\(status.rawValue)"
        case .recorded: "recorded"
        case .ignored(let reason): "ignored: \(reason.message)"
        case .flagged(let reason): "\(label): \(reason.message)"
        case .duplicate: "duplicate"
        case .orphaned: "orphaned"
        }
    }

    init(_ verdict: Verdict) {
        switch verdict {
        case .applied(let status): self = .applied(status)
        case .recorded: self = .recorded
        case .flagged(let reason): self = .flagged(reason)
        case .unchanged(let reason): self = .ignored(reason)
        }
    }
}

/// Why a webhook was refused: nothing of it is written; it is counted and logged.
public enum WebhookRefusal: Error, Sendable, Equatable {
    case unknownConnection(String)
    /// From an address the connection does not accept webhooks from.
    case sourceNotAllowed
    /// Unsigned, or signed with another key.
    case signatureInvalid
    /// Signed, but not what the connection's PSP sends.
    case malformed(String)
    /// Signed at a time outside the accepted window.
    case stale(String)
}

/// One webhook as received: the connection its path names, the message as it came (headers and the raw bytes its
/// signature covers), and the TCP peer's address.
public struct WebhookDelivery: Sendable {
    public var connection: String
    public var message: InboundMessage
    public var peer: String?

    public init(connection: String, message: InboundMessage, peer: String?) {
        self.connection = connection
        self.message = message
        self.peer = peer
    }
}

/// `POST /webhooks/{connection}`: checks the source address, verifies over the raw bytes, parses, then states each event
/// as a fact for ``PaymentMachine``, written with its inbox record (dedupe) and the events it announces in one
/// transaction; the answer goes out only after that commit.
final class IngestWebhook: Sendable {
    let inbox: any PaymentLedger & WebhookInbox & RefundQueries
    let writer: PaymentWriter
    let live: LiveConfigs
    let alerts: ConnectionAlerts
    let counters: ConnectionCounters
    /// Repeats of recorded events: counted here, written a second later in one batch.
    let duplicates: DuplicateCounter
    let logger: Logger
    let now: @Sendable () -> Date

    init(inbox: any PaymentLedger & WebhookInbox & RefundQueries, writer: PaymentWriter, live: LiveConfigs, alerts: ConnectionAlerts,
         counters: ConnectionCounters, duplicates: DuplicateCounter, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.inbox = inbox
        self.duplicates = duplicates
        self.writer = writer
        self.live = live
        self.alerts = alerts
        self.counters = counters
        self.logger = logger
        self.now = now
    }

    /// What became of each event the webhook carried. Forged, unsigned, stale or from a refused address: refused
    /// (``WebhookRefusal``), nothing written, counted.
    func receive(_ delivery: WebhookDelivery) async throws -> [WebhookOutcome] {
        let (name, message, peer) = (delivery.connection, delivery.message, delivery.peer)
        guard let connection = live.current.connections[name] else { throw WebhookRefusal.unknownConnection(name) }
        let forwarded = connection.config.webhookClientIPHeader.flatMap { message.header($0) }
        if let refused = connection.config.webhookSourceRefused(peer: peer, forwarded: forwarded) {
            counters.countRefused(name, reason: "source")
            GatewayMetrics.webhook(connection: name, result: "refused_source")
            logger.warning("webhook refused", metadata: ["connection": .string(name), "reason": .string("source \(refused) not allowed")])
            throw WebhookRefusal.sourceNotAllowed
        }
        let events: [PSPNotification]
        do {
            events = try connection.adapter.parseWebhook(message, context: connection.context)
        } catch {
            switch error {
            case .unauthenticated(let reason):
                counters.countRefused(name, reason: "signature")
                GatewayMetrics.webhook(connection: name, result: "refused_signature")
                alerts.signatureFailed(name, at: now(), logger: logger)
                logger.warning("webhook refused", metadata: ["connection": .string(name), "reason": .string(reason)])
                throw WebhookRefusal.signatureInvalid
            case .malformed(let reason):
                counters.countRefused(name, reason: "malformed")
                GatewayMetrics.webhook(connection: name, result: "refused_malformed")
                logger.warning("webhook malformed", metadata: ["connection": .string(name), "reason": .string(reason)])
                throw WebhookRefusal.malformed(reason)
            }
        }
        if let stale = Self.staleness(connection.adapter.signedAt(message), now: now(), window: connection.config.webhookFreshnessSeconds) {
            counters.countRefused(name, reason: "stale")
            GatewayMetrics.webhook(connection: name, result: "refused_stale")
            logger.warning("webhook refused", metadata: ["connection": .string(name), "reason": .string(stale)])
            throw WebhookRefusal.stale(stale)
        }
        alerts.clear(name, kinds: ["webhook_signatures"])
        var outcomes: [WebhookOutcome] = []
        for event in events {
            let outcome = try await ingest(event, connection: name, body: message.body)
            logger.info("webhook event", metadata: ["connection": .string(name), "psp_id": .string(event.pspId),
                                                    "psp_status": .string(event.pspStatus), "result": .string(outcome.label),
                                                    "reason": .string(outcome.reason ?? "-")])
            GatewayMetrics.webhook(connection: name, result: outcome.label)
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// Why a webhook's signed time is refused (too old, from the future, unreadable), or `nil` when it is fresh.
    static func staleness(_ signed: SignedTime, now: Date, window: Int) -> String? {
        switch signed {
        case .absent: return nil
        case .unreadable(let text): return "its signed time '\(text)' cannot be read"
        case .at(let date):
            let skew = date.timeIntervalSince(now)
            guard abs(skew) > Double(window) else { return nil }
            return "signed at \(Timestamps.utc(date)), \(Int(abs(skew))) s \(skew < 0 ? "ago" : "ahead"); at most \(window) s either way"
        }
    }

    /// Records and applies one verified notification: the fact it states, about the payment or refund it names.
    func ingest(_ event: PSPNotification, connection: String, body: [UInt8]) async throws -> WebhookOutcome {
        if try await inbox.isRecorded(connection: connection, dedupeKey: event.dedupeKey) {
            duplicates.count(InboxKey(connection: connection, dedupeKey: event.dedupeKey))
            return .duplicate
        }
        let receivedAt = now()
        let entry: @Sendable (String?, WebhookOutcome) -> InboxEntry = { paymentId, outcome in
            InboxEntry(connection: connection, dedupeKey: event.dedupeKey, pspPaymentId: event.pspId, paymentId: paymentId,
                       pspStatus: event.pspStatus, result: outcome.label, reason: outcome.reason, body: body, receivedAt: receivedAt)
        }
        let target: (paymentId: String, fact: PaymentFact)?
        var current: StoredPayment?
        switch event {
        case .payment(let payment):
            // The attempt and its payment in one read: the decision below starts from it.
            let found = try await inbox.paymentOf(connection: connection, pspPaymentId: payment.pspPaymentId, reference: payment.reference)
            target = found.map { ($0.0.paymentId, .pspEvent(attemptId: $0.0.attemptId, event: payment)) }
            current = found?.1
        case .refund(let refund):
            target = try await inbox.refund(connection: connection, pspRefundId: refund.pspRefundId, reference: refund.reference)
                .map { ($0.paymentId, .refundOutcome(refundId: $0.refundId, outcome: refund.outcome)) }
        case .captureDeclined(let pspPaymentId, let reference, _):
            let found = try await inbox.paymentOf(connection: connection, pspPaymentId: pspPaymentId, reference: reference)
            target = found.map { ($0.0.paymentId, .captureDeclined) }
            current = found?.1
        case .cancelDeclined(let pspPaymentId, let reference, let reason, _):
            let found = try await inbox.paymentOf(connection: connection, pspPaymentId: pspPaymentId, reference: reference)
            target = found.map { ($0.0.paymentId, .cancelDeclined(reason: reason)) }
            current = found?.1
        }
        guard let target else {
            let write = PaymentWrite(payment: nil, expectedVersion: 0, inbox: entry(nil, .orphaned))
            return try await inbox.commit(write) == .duplicate ? .duplicate : .orphaned
        }
        let options = WriteOptions(inbox: { decision in entry(target.paymentId, WebhookOutcome(decision.verdict)) })
        let applied = try await writer.apply(target.fact, to: target.paymentId, current: current, options: options)
        return applied.result == .duplicate ? .duplicate : WebhookOutcome(applied.decision.verdict)
    }
}

extension PSPNotification {
    /// The PSP's id of what the notification is about, for the inbox and the logs.
    var pspId: String {
        switch self {
        case .payment(let event): event.pspPaymentId
        case .refund(let event): event.pspRefundId ?? event.pspPaymentId ?? "-"
        case .captureDeclined(let id, _, _): id
        case .cancelDeclined(let id, _, _, _): id
        }
    }

    /// The PSP's word for what happened.
    var pspStatus: String {
        switch self {
        case .payment(let event): event.pspStatus
        case .refund(let event): event.outcome.pspStatus ?? "refund \(event.outcome.result.rawValue)"
        case .captureDeclined: "capture declined"
        case .cancelDeclined: "cancel declined"
        }
    }
}
