import Foundation
import PasarelaCore

extension DLocalAdapter: LookupFlow {
    public var lookup: (any LookupFlow)? { self }

    /// dLocal finds a payment by its own id (`GET /payments/{id}`) and by our `order_id`, the attempt id
    /// (`GET /orders/{order_id}`, 1.4): a create whose answer was lost is found by its order.
    public var findsByReference: Bool { true }

    public func buildLookup(_ key: LookupKey, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        let path = switch key {
        case .pspPaymentId(let id): "/payments/\(Self.pathComponent(id))"
        case .reference(let orderId): "/orders/\(Self.pathComponent(orderId))"
        }
        return signed(method: "GET", path: path, body: [], now: now, context: context, extraHeaders: [])
    }

    /// A payment object for an id; for an order, the payment it names, read next by its id (the order object carries
    /// no ticket). 404 is "no such payment" either way.
    public func parseLookup(_ response: InboundMessage, key: LookupKey) -> LookupAnswer {
        if response.status == 404 { return .notFound }
        guard case .reference = key, (200..<300).contains(response.status) else { return .single(classify(response)) }
        guard let order = DLocalOrder.read(response.body) else {
            return .failed(.ambiguous(code: nil, message: "dLocal answered \(response.status) with a body that is not an order object",
                                      failure: .invalidResponse))
        }
        return .identified(pspPaymentId: order.paymentId)
    }

    /// A PSP id as one URL path segment.
    static func pathComponent(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id
    }
}
