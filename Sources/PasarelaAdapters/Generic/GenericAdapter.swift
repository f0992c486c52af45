import Foundation
import PasarelaCore

/// A PSP described entirely by its adapter file (``GenericDescriptor``). PagoEfectivo's CIP API is the first;
/// a PSP of the same shape needs a YAML file, not code. Create and webhook always; lookup, lookup by reference, cancel,
/// refund, refund lookup and token exchange when the file declares them. How a lost create answer is settled follows
/// from `lookup_by_reference` and `create.replay` (``CreateRecovery``).
public struct GenericAdapter: PSPAdapter {
    public let kind = "generic"
    public let descriptor: GenericDescriptor
    /// The credentials the file declares, each present (checked at load).
    public let credentials: DeclaredCredentials

    public init(descriptor: GenericDescriptor, credentials: DeclaredCredentials) {
        self.descriptor = descriptor
        self.credentials = credentials
    }

    /// What the adapter can carry is declared by the file's `supports`, which routing checks.
    public func unsupportedReason(_ request: PaymentRequest) -> String? { nil }

    public var lookup: (any LookupFlow)? { descriptor.lookup != nil || descriptor.lookupByReference != nil ? self : nil }
    public var cancel: (any CancelFlow)? { descriptor.cancel != nil ? self : nil }
    public var token: (any TokenFlow)? { descriptor.token != nil ? self : nil }
    public var refund: (any RefundFlow)? { descriptor.refund != nil ? self : nil }
    public var refundLookup: (any RefundLookupFlow)? { descriptor.refundLookup != nil ? self : nil }
    public var settlement: SettlementLayout? { descriptor.settlement }

    public var replay: CreateReplay { descriptor.replay }

    public func buildCreate(_ input: CreateInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        try build(descriptor.create, TemplateValues(input: input, context: context, now: input.now))
    }

    /// A create answer: an error, or the one payment created.
    public func parseCreate(_ response: InboundMessage, input: CreateInput) -> PSPOutcome {
        let fields = descriptor.create.response
        switch read(response, fields: fields) {
        case .failure(let error): return error.outcome
        case .success(let json): return item(json, fields: fields)
        }
    }

    /// Renders an endpoint into a request. A path or header that cannot be rendered is an adapter error.
    func build(_ endpoint: GenericDescriptor.Endpoint, _ values: TemplateValues) throws(AdapterError) -> OutboundRequest {
        var values = values
        values.documentTypes = descriptor.documentTypes
        values.credentials = credentials
        guard let path = endpoint.path.render(values) else { throw .unsupported("the path needs a field this payment lacks") }
        var headers: [(name: String, value: String)] = []
        for (name, text) in endpoint.headers {
            guard let value = text.render(values) else { throw .unsupported("header \(name) needs a field this payment lacks") }
            headers.append((name, value))
        }
        var body: [UInt8] = []
        if let template = endpoint.body {
            body = (template.render(values) ?? .object([])).bytes
            if !headers.contains(where: { $0.name.lowercased() == "content-type" }) { headers.append(("Content-Type", "application/json")) }
        }
        return OutboundRequest(method: endpoint.method, url: values.context.baseURL + path, headers: headers, body: body)
    }

    static func json(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONValue.parse(bytes)
    }
}
