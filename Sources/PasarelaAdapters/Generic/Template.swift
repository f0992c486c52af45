import Foundation
import PasarelaCore

/// A request body, path or header declared in a generic adapter file, rendered from unified fields.
/// Building a template checks every field name, so a typo fails at start-up, never at payment time.
public indirect enum Template: Sendable {
    case object([(String, Template)])
    case array([Template])
    /// A fixed JSON value written in the file.
    case literal(JSONBody)
    /// Text with `{field}` or `{field:format}` placeholders, written as JSON of `type`.
    case text(Text, type: ValueType)
    /// Lower-case hex SHA-256 of the concatenated text (PagoEfectivo's token hash).
    case sha256Hex(Text)

    /// The JSON type a text leaf is written as.
    public enum ValueType: String, Sendable, CaseIterable {
        case string, number, integer, boolean
    }

    /// Renders the template; `nil` when a field it needs has no value (the caller leaves the field out).
    public func render(_ values: TemplateValues) -> JSONBody? {
        switch self {
        case .object(let pairs):
            return .object(pairs.compactMap { key, template in template.render(values).map { (key, $0) } })
        case .array(let items):
            return .array(items.compactMap { $0.render(values) })
        case .literal(let body):
            return body
        case .text(let text, let type):
            guard let string = text.render(values) else { return nil }
            switch type {
            case .string: return .string(string)
            case .number: return Template.isDecimal(string) ? .number(string) : nil
            case .integer: return !string.isEmpty && string.allSatisfy(\.isNumber) ? .number(string) : nil
            case .boolean: return string == "true" || string == "false" ? .bool(string == "true") : nil
            }
        case .sha256Hex(let text):
            guard let string = text.render(values) else { return nil }
            return .string(SHA256Hex.of(string))
        }
    }

    static func isDecimal(_ text: String) -> Bool {
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}

/// Text with placeholders.
public struct Text: Sendable {
    public var parts: [Part]

    public enum Part: Sendable {
        case literal(String)
        case field(Field, Format)
    }

    public init(parts: [Part]) { self.parts = parts }

    /// The text, or `nil` when a field has no value.
    public func render(_ values: TemplateValues) -> String? {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .field(let field, let format):
                guard let value = values.value(of: field, format: format) else { return nil }
                out += value
            }
        }
        return out
    }

    /// Parses `"Bearer {token}"`; unknown fields or formats, and unbalanced braces, are errors in words.
    public static func parse(_ source: String) -> Result<Text, TemplateError> {
        var parts: [Part] = [], literal = "", index = source.startIndex
        while index < source.endIndex {
            let char = source[index]
            if char == "{" {
                guard let close = source[index...].firstIndex(of: "}") else { return .failure(.init("unclosed '{' in \"\(source)\"")) }
                let inner = String(source[source.index(after: index)..<close])
                let pieces = inner.split(separator: ":", maxSplits: 1).map(String.init)
                guard let name = pieces.first, let field = Field(name) else {
                    return .failure(.init("unknown field '{\(inner)}'; known: \(Field.documentation)"))
                }
                var format = Format.plain
                if pieces.count == 2 {
                    guard let parsed = Format(rawValue: pieces[1]) else {
                        return .failure(.init("unknown format '\(pieces[1])' in '{\(inner)}'; known: \(Format.allCases.map(\.rawValue).joined(separator: ", "))"))
                    }
                    format = parsed
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(.field(field, format))
                index = source.index(after: close)
            } else if char == "}" {
                return .failure(.init("unbalanced '}' in \"\(source)\""))
            } else {
                literal.append(char)
                index = source.index(after: index)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return .success(Text(parts: parts))
    }

    /// The fields the text uses.
    public var fields: [Field] {
        parts.compactMap { if case .field(let field, _) = $0 { field } else { nil } }
    }
}

public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// How a placeholder's value is written.
public enum Format: String, Sendable, CaseIterable {
    case plain = ""
    /// Lima local time `yyyy-MM-ddTHH:mm:ss-05:00`.
    case lima
    /// RFC 3339 in UTC.
    case utc
    case upper
    case lower
}

/// The unified fields a template may name.
public enum Field: Sendable, Equatable {
    case amount, amountMinor, currency, country, method, cashNetwork, bank, orderId, description
    case customerName, customerEmail, documentType, documentNumber
    case paymentId, attemptId, expiresAt, now, returnURL, webhookURL, pspPaymentId, token
    case refundId, refundAmount, refundAmountMinor, refundReason, pspRefundId
    case credential(String)
    case metadata(String)

    static let names: [String: Field] = [
        "amount": .amount, "amount.minor": .amountMinor, "amount.currency": .currency, "country": .country,
        "method": .method, "cash_network": .cashNetwork, "bank": .bank, "order_id": .orderId, "description": .description,
        "customer.name": .customerName, "customer.email": .customerEmail, "customer.document.type": .documentType,
        "customer.document.number": .documentNumber, "payment.id": .paymentId, "attempt.id": .attemptId,
        "expires_at": .expiresAt, "now": .now, "return_url": .returnURL, "webhook_url": .webhookURL,
        "psp_payment_id": .pspPaymentId, "token": .token,
        "refund.id": .refundId, "refund.amount": .refundAmount, "refund.amount.minor": .refundAmountMinor, "refund.reason": .refundReason,
        "psp_refund_id": .pspRefundId,
    ]

    static var documentation: String { (names.keys.sorted() + ["credentials.NAME", "metadata.KEY"]).joined(separator: ", ") }

    init?(_ name: String) {
        if let field = Field.names[name] { self = field; return }
        if name.hasPrefix("credentials."), name.count > 12 { self = .credential(String(name.dropFirst(12))); return }
        if name.hasPrefix("metadata."), name.count > 9 { self = .metadata(String(name.dropFirst(9))); return }
        return nil
    }
}

/// The values templates are rendered from: one payment attempt, or just the connection for token and lookup requests.
public struct TemplateValues: Sendable {
    public var input: CreateInput?
    public var context: AdapterContext
    public var now: Date
    public var pspPaymentId: String?
    /// Our reference (the attempt id) outside a create: lookups by reference, cancels.
    public var reference: String?
    /// The file's `document_types`: a payer document of a type not listed is left out (type and number).
    public var documentTypes: [String: String]?
    /// The refund being made or looked up.
    public var refund: Refund?
    public var pspRefundId: String?
    /// The connection's credentials, for `{credentials.NAME}`.
    public var credentials = DeclaredCredentials([:])

    public init(input: CreateInput?, context: AdapterContext, now: Date, pspPaymentId: String? = nil, reference: String? = nil) {
        self.input = input
        self.context = context
        self.now = now
        self.pspPaymentId = pspPaymentId
        self.reference = reference
    }

    func value(of field: Field, format: Format) -> String? {
        let request = input?.request
        let raw: String?
        switch field {
        case .amount: raw = request?.amount.majorUnitString
        case .amountMinor: raw = request.map { String($0.amount.minorUnits) }
        case .currency: raw = request?.amount.currency.code
        case .country: raw = request?.country
        case .method: raw = request?.method.type.rawValue
        case .cashNetwork: if case .cash(let network) = request?.method { raw = network } else { raw = nil }
        case .bank: if case .bankTransfer(let bank) = request?.method { raw = bank } else { raw = nil }
        case .orderId: raw = request?.orderId
        case .description: raw = request?.description
        case .customerName: raw = request?.customer.name
        case .customerEmail: raw = request?.customer.email
        case .documentType: raw = request?.customer.document.flatMap(mappedType)
        case .documentNumber: raw = request?.customer.document.flatMap { mappedType($0) == nil ? nil : $0.number }
        case .paymentId: raw = input?.paymentId
        case .attemptId: raw = input?.attemptId ?? reference
        case .expiresAt: return input.map { Self.date($0.expiresAt, format) }
        case .now: return Self.date(now, format)
        case .returnURL: raw = request?.returnURL
        case .webhookURL: raw = context.webhookURL
        case .pspPaymentId: raw = pspPaymentId
        case .token: raw = context.token
        case .refundId: raw = refund?.id
        case .refundAmount: raw = refund?.amount.majorUnitString
        case .refundAmountMinor: raw = refund.map { String($0.amount.minorUnits) }
        case .refundReason: raw = refund?.reason
        case .pspRefundId: raw = pspRefundId ?? refund?.pspRefundId
        case .credential(let name): raw = credentials.value(name)
        case .metadata(let key): raw = request?.metadata[key]
        }
        guard let raw else { return nil }
        switch format {
        case .upper: return raw.uppercased()
        case .lower: return raw.lowercased()
        default: return raw
        }
    }

    /// The PSP's word for a document type, or `nil` when the file maps document types and not this one.
    func mappedType(_ document: Document) -> String? {
        guard let documentTypes else { return document.type }
        return documentTypes[document.type]
    }

    static func date(_ date: Date, _ format: Format) -> String {
        format == .lima ? Timestamps.lima(date) : Timestamps.utc(date)
    }
}
