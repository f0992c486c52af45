import Foundation
import PasarelaCore

extension GenericAdapter: TokenFlow {
    public func buildTokenRequest(now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        guard let token = descriptor.token else { throw .unsupported("the adapter file declares no token exchange") }
        return try build(token.request, TemplateValues(input: nil, context: context, now: now))
    }

    public func parseTokenResponse(_ response: InboundMessage, now: Date) throws(AdapterError) -> AccessToken {
        guard let exchange = descriptor.token else { throw .authentication("no token exchange declared") }
        guard (200..<300).contains(response.status), let json = Self.json(response.body) else {
            throw .authentication("token request answered HTTP \(response.status)")
        }
        let fields = exchange.request.response
        if let success = fields.success, success.path.text(in: json) != success.equals {
            let message = fields.errorMessage.flatMap { $0.text(in: json) } ?? "no message"
            throw .authentication("token request refused: \(message)")
        }
        guard let value = fields.token?.text(in: json), !value.isEmpty else {
            throw .authentication("token missing at \(fields.token?.description ?? "?")")
        }
        let expiry = fields.expiresAt.flatMap { $0.text(in: json) }.flatMap(Timestamps.parse)
            ?? now.addingTimeInterval(exchange.defaultLifetime)
        return AccessToken(value: value, expiresAt: expiry)
    }

    public var refreshMargin: TimeInterval { descriptor.token?.refreshBefore ?? 0 }
}

extension GenericAdapter {
    /// 401 or 403 from a PSP declared by a file: its credentials (or the token made from them) are refused.
    public func misconfiguration(_ response: InboundMessage) -> Misconfiguration? {
        guard response.status == 401 || response.status == 403 else { return nil }
        return Misconfiguration(kind: "credentials", fix: "the PSP refused this connection's credentials (HTTP \(response.status)): check the credential variables its adapter file names")
    }
}
