import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Gateway {
    /// Handles `POST /webhooks/{connection}`: check the source address, verify over the raw bytes, parse, then record
    /// and apply each event in one transaction (inbox dedupe, transition table, outbox event), and answer 200 only
    /// after that commit. Forged, unsigned or from a refused address: 401/403, nothing written, counted.
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
        let merchants = self.merchants
        let clock = now
        var results: [String] = []
        for event in events {
            let record = PSPEventRecord(connection: name, event: event, rawBody: message.body, receivedAt: now())
            let result = try await store.apply(record) { stored in
                EventResource.make(for: stored, merchant: merchants.merchant(id: stored.payment.merchantId), at: clock())
            }
            logger.info("webhook event", metadata: ["connection": .string(name), "psp_payment_id": .string(event.pspPaymentId),
                                                    "psp_status": .string(event.pspStatus), "result": .string(Self.describe(result))])
            results.append(Self.describe(result))
        }
        if results.contains(where: { $0.hasPrefix("applied") }) { outbox.wake() }
        let body = JSONBody.object([("received", .bool(true)), ("results", .array(results.map(JSONBody.string)))])
        return APIReply(status: 200, body: body.bytes)
    }

    static func describe(_ result: WebhookResult) -> String {
        switch result {
        case .applied(_, let status): "applied:\(status.rawValue)"
        case .ignored(_, let reason): "ignored: \(reason)"
        case .flagged(_, let reason): "flagged: \(reason)"
        case .duplicate: "duplicate"
        case .orphaned: "orphaned"
        }
    }
}
