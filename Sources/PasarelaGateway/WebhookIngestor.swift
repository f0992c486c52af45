import Foundation
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

extension Gateway {
    /// Handles `POST /webhooks/{connection}`: check the source address, verify over the raw bytes, parse, then state each
    /// event as a fact for ``PaymentMachine``, written with its inbox record (dedupe) and the events it announces in one
    /// transaction, and answer 200 only after that commit. Forged, unsigned or from a refused address: 401/403, nothing
    /// written, counted.
    /// - Parameters:
    ///   - peer: the TCP peer's address.
    public func receiveWebhook(connection name: String, message: InboundMessage, peer: String?) async throws -> APIReply {
        guard let connection = config.connections[name] else {
            throw APIError(status: 404, type: "invalid_request_error", code: "connection_unknown",
                           message: "No connection named '\(name.prefix(40))'.")
        }
        let forwarded = connection.config.webhookClientIPHeader.flatMap { message.header($0) }
        if let refused = connection.config.webhookSourceRefused(peer: peer, forwarded: forwarded) {
            countRefused(name)
            logger.warning("webhook refused", metadata: ["connection": .string(name), "reason": .string("source \(refused) not allowed")])
            throw APIError(status: 403, type: "authentication_error", code: "source_not_allowed",
                           message: "Webhooks for this connection are not accepted from this address.")
        }
        let events: [PSPEvent]
        do {
            events = try connection.adapter.parseWebhook(message, context: connection.context)
        } catch {
            countRefused(name)
            switch error {
            case .unauthenticated(let reason):
                logger.warning("webhook refused", metadata: ["connection": .string(name), "reason": .string(reason)])
                throw APIError(status: 401, type: "authentication_error", code: "signature_invalid",
                               message: "The webhook signature is missing or does not verify.")
            case .malformed(let reason):
                logger.warning("webhook malformed", metadata: ["connection": .string(name), "reason": .string(reason)])
                throw APIError(status: 400, type: "invalid_request_error", code: "webhook_malformed", message: reason)
            }
        }
        var outcomes: [WebhookOutcome] = []
        for event in events {
            let outcome = try await ingest(event, connection: name, body: message.body)
            logger.info("webhook event", metadata: ["connection": .string(name), "psp_payment_id": .string(event.pspPaymentId),
                                                    "psp_status": .string(event.pspStatus), "result": .string(outcome.label),
                                                    "reason": .string(outcome.reason ?? "-")])
            outcomes.append(outcome)
        }
        let body = JSONBody.object([("received", .bool(true)), ("results", .array(outcomes.map { .string($0.description) }))])
        return APIReply(status: 200, body: body.bytes)
    }

    /// Records and applies one verified event.
    func ingest(_ event: PSPEvent, connection: String, body: [UInt8]) async throws -> WebhookOutcome {
        if try await store.recordIfDuplicate(connection: connection, dedupeKey: event.dedupeKey) { return .duplicate }
        let receivedAt = now()
        let entry: @Sendable (String?, WebhookOutcome) -> InboxEntry = { paymentId, outcome in
            InboxEntry(connection: connection, dedupeKey: event.dedupeKey, pspPaymentId: event.pspPaymentId, paymentId: paymentId,
                       pspStatus: event.pspStatus, result: outcome.label, reason: outcome.reason, body: body, receivedAt: receivedAt)
        }
        guard let owner = try await store.attempt(connection: connection, pspPaymentId: event.pspPaymentId, reference: event.reference) else {
            let write = PaymentWrite(payment: nil, expectedVersion: 0, inbox: entry(nil, .orphaned))
            return try await store.commit(write) == .duplicate ? .duplicate : .orphaned
        }
        let options = WriteOptions(inbox: { decision in entry(owner.paymentId, WebhookOutcome(decision.verdict)) })
        let applied = try await apply(.pspEvent(attemptId: owner.attemptId, event: event), to: owner.paymentId, options: options)
        return applied.result == .duplicate ? .duplicate : WebhookOutcome(applied.decision.verdict)
    }
}
