import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Gateway {
    /// Handles `POST /webhooks/{connection}`: verify over the raw bytes, parse, record and apply each event in
    /// one transaction, and answer 200 only after that commit. Forged or unsigned: 401, nothing written.
    public func receiveWebhook(connection name: String, message: InboundMessage) async throws -> APIReply {
        guard let connection = config.connections[name] else {
            throw APIError(status: 404, type: "invalid_request_error", code: "connection_unknown",
                           message: "No connection named '\(name.prefix(40))'.")
        }
        let events: [PSPEvent]
        do {
            events = try connection.adapter.parseWebhook(message, context: connection.context)
        } catch {
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
        var results: [String] = []
        for event in events {
            let result = try await store.apply(PSPEventRecord(connection: name, event: event, rawBody: message.body, receivedAt: now()))
            logger.info("webhook event", metadata: ["connection": .string(name), "psp_payment_id": .string(event.pspPaymentId),
                                                    "psp_status": .string(event.pspStatus), "result": .string("\(result)")])
            results.append(Self.describe(result))
        }
        let body = JSONBody.object([("received", .bool(true)), ("results", .array(results.map(JSONBody.string)))])
        return APIReply(status: 200, body: body.bytes)
    }

    static func describe(_ result: WebhookResult) -> String {
        switch result {
        case .applied(_, let status): "applied:\(status.rawValue)"
        case .ignored: "ignored"
        case .flagged: "flagged"
        case .duplicate: "duplicate"
        case .orphaned: "orphaned"
        }
    }
}
