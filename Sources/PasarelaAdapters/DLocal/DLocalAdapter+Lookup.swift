import Foundation
import PasarelaCore

extension DLocalAdapter: LookupFlow {
    public var lookup: (any LookupFlow)? { self }

    /// dLocal finds payments by its own id only (`GET /payments/{id}`, 1.4): there is no lookup by `order_id`.
    public var findsByReference: Bool { false }

    public func buildLookup(_ key: LookupKey, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        guard case .pspPaymentId(let id) = key else { throw .unsupported("dLocal has no lookup by order_id") }
        return signed(method: "GET", path: "/payments/\(Self.pathComponent(id))", body: [], now: now, context: context, extraHeaders: [])
    }

    public func parseLookup(_ response: InboundMessage, key: LookupKey) -> LookupAnswer {
        response.status == 404 ? .notFound : .single(classify(response))
    }

    /// A PSP id as one URL path segment.
    static func pathComponent(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id
    }
}
