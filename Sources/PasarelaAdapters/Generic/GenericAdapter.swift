import Foundation
import PasarelaCore

/// A PSP described entirely by its adapter file (``GenericDescriptor``). PagoEfectivo's CIP API is the first;
/// a PSP of the same shape needs a YAML file, not code.
public struct GenericAdapter: PSPAdapter {
    public let kind = "generic"
    public let descriptor: GenericDescriptor

    public init(descriptor: GenericDescriptor) { self.descriptor = descriptor }

    /// What the adapter can carry is declared by the file's `supports`, which routing checks.
    public func unsupportedReason(_ request: PaymentRequest) -> String? { nil }

    public func buildCreate(_ input: CreateInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        try build(descriptor.create, TemplateValues(input: input, context: context, now: input.now))
    }

    public func parseCreate(_ response: InboundMessage, input: CreateInput) -> PSPOutcome {
        classify(response, fields: descriptor.create.response, isLookup: false)
    }

    public func buildLookup(pspPaymentId: String, now: Date, context: AdapterContext) -> OutboundRequest? {
        guard let lookup = descriptor.lookup else { return nil }
        return try? build(lookup, TemplateValues(input: nil, context: context, now: now, pspPaymentId: pspPaymentId))
    }

    public func parseLookup(_ response: InboundMessage) -> PSPOutcome {
        guard let lookup = descriptor.lookup else { return .ambiguous(code: nil, message: "no lookup declared") }
        return classify(response, fields: lookup.response, isLookup: true)
    }

    public func buildTokenRequest(now: Date, context: AdapterContext) -> OutboundRequest? {
        guard let token = descriptor.token else { return nil }
        return try? build(token.request, TemplateValues(input: nil, context: context, now: now))
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

    public var tokenRefreshMargin: TimeInterval { descriptor.token?.refreshBefore ?? 0 }

    /// Renders an endpoint into a request. A path or header that cannot be rendered is an adapter error.
    func build(_ endpoint: GenericDescriptor.Endpoint, _ values: TemplateValues) throws(AdapterError) -> OutboundRequest {
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

    /// Classifies an answer by the declared fields. A 2xx that cannot be read is ambiguous.
    func classify(_ response: InboundMessage, fields: GenericDescriptor.ResponseFields, isLookup: Bool) -> PSPOutcome {
        let json = Self.json(response.body)
        let code = json.flatMap { body in fields.errorCode.flatMap { $0.text(in: body) } }
        let message = json.flatMap { body in fields.errorMessage.flatMap { $0.text(in: body) } }
        if let duplicate = fields.duplicate, let json, duplicate.path.text(in: json) == duplicate.equals {
            return .ambiguous(code: code, message: "the PSP already holds this attempt: \(message ?? "duplicate")")
        }
        guard (200..<300).contains(response.status) else {
            let text = message ?? "HTTP \(response.status)"
            switch response.status {
            case 429: return .notCreated(.rateLimited, code: code ?? "429", message: text)
            case 504: return .ambiguous(code: code ?? "504", message: text)
            case 500..<600: return .notCreated(.http5xx, code: code ?? String(response.status), message: text)
            default:
                var outcome = PSPOutcome.notCreated(json == nil ? .invalidResponse : .rejected, code: code ?? String(response.status), message: text)
                outcome.notFound = isLookup && response.status == 404
                return outcome
            }
        }
        guard let json else { return .ambiguous(code: nil, message: "HTTP \(response.status) with a body that is not JSON") }
        if let success = fields.success, success.path.text(in: json) != success.equals {
            // The PSP answered and said no: nothing was created.
            return .notCreated(.rejected, code: code ?? success.path.text(in: json), message: message ?? "success condition not met")
        }
        guard let pspId = fields.pspPaymentId.flatMap({ $0.text(in: json) }) else {
            return .ambiguous(code: code, message: "the answer has no payment id at \(fields.pspPaymentId?.description ?? "?")")
        }
        var action: NextAction?
        if let voucher = fields.voucherCode.flatMap({ $0.text(in: json) }) {
            let expiry = fields.expiresAt.flatMap { $0.text(in: json) }.flatMap(Timestamps.parse)
            action = .displayVoucher(code: voucher, barcode: fields.barcode.flatMap { $0.text(in: json) },
                                     voucherURL: fields.voucherURL.flatMap { $0.text(in: json) }, expiresAt: expiry)
        } else if let url = fields.redirectURL.flatMap({ $0.text(in: json) }) {
            action = .redirect(url: url)
        }
        var status: PaymentStatus = action == nil ? .processing : .requiresAction
        let pspStatus = fields.status.flatMap { $0.text(in: json) }
        if let pspStatus {
            guard let mapped = descriptor.statusMap[pspStatus] else {
                return PSPOutcome(outcome: .unknown, status: .processing, pspPaymentId: pspId, pspStatus: pspStatus,
                                  errorMessage: "status '\(pspStatus.prefix(30))' is not in status_map")
            }
            if let mapped, !(mapped == .processing && action != nil) { status = mapped }
        }
        var result = PSPOutcome(outcome: AttemptOutcome(status: status), status: status, pspPaymentId: pspId, pspStatus: pspStatus ?? "created")
        if status == .requiresAction || status == .processing {
            result.nextAction = action
            if case .displayVoucher(_, _, _, let expiry) = action { result.expiresAt = expiry }
        }
        if status == .failed { result.declineClass = .soft; result.errorCode = code; result.errorMessage = message }
        return result
    }
}
