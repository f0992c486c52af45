import Foundation
import PasarelaCore

extension CheckoutAdapter: LookupFlow {
    public var lookup: (any LookupFlow)? { self }

    /// `GET /payments/{id}` only; an ambiguous create is settled by replaying it with its `Cko-Idempotency-Key` instead.
    public var findsByReference: Bool { false }

    public func buildLookup(_ key: LookupKey, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        guard case .pspPaymentId(let id) = key else { throw .unsupported("Checkout lookups here take the payment id") }
        return OutboundRequest(method: "GET", url: context.baseURL + "/payments/\(Self.pathComponent(id))",
                               headers: [("Authorization", "Bearer \(credentials.secretKey)")])
    }

    public func parseLookup(_ response: InboundMessage, key: LookupKey) -> LookupAnswer {
        response.status == 404 ? .notFound : .single(classify(response))
    }
}

extension CheckoutAdapter {
    /// 401 is the secret key refused: no request of this connection will pass until it is fixed.
    public func misconfiguration(_ response: InboundMessage) -> Misconfiguration? {
        guard response.status == 401 else { return nil }
        return Misconfiguration(kind: "credentials", fix: "Checkout refused the secret key (401): check the secret_key variable adapters/checkout.yaml names, and that it is a key of the environment the base URL points at")
    }
}
