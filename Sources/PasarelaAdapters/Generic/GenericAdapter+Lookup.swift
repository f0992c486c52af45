import Foundation
import PasarelaCore

extension GenericAdapter: LookupFlow {
    /// Whether the file declares `lookup_by_reference`.
    public var findsByReference: Bool { descriptor.lookupByReference != nil }

    public func buildLookup(_ key: LookupKey, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        switch key {
        case .pspPaymentId(let id):
            guard let endpoint = descriptor.lookup else { throw .unsupported("the adapter file declares no lookup") }
            return try build(endpoint, TemplateValues(input: nil, context: context, now: now, pspPaymentId: id))
        case .reference(let reference):
            guard let endpoint = descriptor.lookupByReference else { throw .unsupported("the adapter file declares no lookup_by_reference") }
            return try build(endpoint, TemplateValues(input: nil, context: context, now: now, reference: reference))
        }
    }

    /// 404, or an empty `items` list, is "not found"; each element of `items` (or the whole body) is one payment.
    public func parseLookup(_ response: InboundMessage, key: LookupKey) -> LookupAnswer {
        let endpoint: GenericDescriptor.Endpoint?
        switch key {
        case .pspPaymentId: endpoint = descriptor.lookup
        case .reference: endpoint = descriptor.lookupByReference
        }
        guard let fields = endpoint?.response else { return .failed(.ambiguous(code: nil, message: "no lookup declared")) }
        if response.status == 404 { return .notFound }
        let json: JSONValue
        switch read(response, fields: fields) {
        case .failure(let error): return .failed(error.outcome)
        case .success(let body): json = body
        }
        var elements = [json]
        if let items = fields.items {
            guard case .array(let list)? = items.value(in: json) else {
                if items.value(in: json) == nil { return .notFound }
                return .failed(.ambiguous(code: nil, message: "\(items) is not a list", failure: .invalidResponse))
            }
            elements = list
        }
        var found = elements.map { item($0, fields: fields) }
        if case .reference(let reference) = key, let path = fields.reference {
            // Only payments under our reference count, whatever else the PSP lists.
            found = zip(elements, found).filter { path.text(in: $0.0) == reference }.map(\.1)
        }
        if found.isEmpty { return .notFound }
        if let unreadable = found.first(where: { $0.outcome == .unknown }) { return .failed(unreadable) }
        return .found(found)
    }
}
