import Foundation

extension PaymentRequest {
    static let topLevelKeys: Set<String> = ["amount", "country", "payment_method", "order_id", "customer", "description",
                                            "notification_url", "return_url", "metadata", "expires_at", "capture"]
    /// The longest a voucher may stay open.
    public static let maximumExpiry: TimeInterval = 30 * 24 * 3600
    /// The shortest a voucher may stay open, so the payer has time to act.
    public static let minimumExpiry: TimeInterval = 15 * 60

    /// Validates a `POST /v1/payments` body and builds the request.
    ///
    /// - Parameters:
    ///   - json: the decoded body.
    ///   - now: the current instant, for expiry checks.
    /// - Throws: ``APIError`` (422 with `param`, or 400 when the body is not an object); the first problem found.
    public static func parse(_ json: JSONValue, now: Date) throws(APIError) -> PaymentRequest {
        let body = try Fields(json, path: nil, allowed: topLevelKeys)

        let (amount, country, method) = try parseRouted(body)
        let currency = amount.currency
        let methods = Market.currencies[country]!
        guard let allowed = methods[method.type], allowed.contains(currency.code) else {
            let list = (methods[method.type] ?? []).sorted().joined(separator: ", ")
            throw .invalid("amount.currency", "\(method.type.rawValue) payments in \(country) accept \(list), not \(currency.code).",
                           code: "currency_not_allowed")
        }

        let orderId = try body.string("order_id", required: true, maxLength: 64)!
        let customer = try parseCustomer(body.required("customer"), country: country)
        let description = try body.string("description", maxLength: 200)
        let notificationURL = try body.url("notification_url")
        let returnURL = try body.url("return_url")
        let metadata = try parseMetadata(body.optional("metadata"))
        var expiresAt: Date?
        if let text = try body.string("expires_at") {
            guard let date = Timestamps.parse(text) else {
                throw .invalid("expires_at", "expires_at must be an RFC 3339 time such as 2026-11-27T10:00:00-05:00.")
            }
            guard date.timeIntervalSince(now) >= minimumExpiry else {
                throw .invalid("expires_at", "expires_at must be at least 15 minutes in the future.")
            }
            guard date.timeIntervalSince(now) <= maximumExpiry else {
                throw .invalid("expires_at", "expires_at must be at most 30 days in the future.")
            }
            expiresAt = date
        }
        var capture = CaptureMethod.automatic
        if let text = try body.string("capture") {
            guard let parsed = CaptureMethod(rawValue: text) else { throw .invalid("capture", "capture must be automatic or manual.") }
            guard parsed == .automatic || method.type == .card else {
                throw .invalid("capture", "Only card payments can be captured later; a \(method.type.rawValue) payment is captured when paid.")
            }
            capture = parsed
        }
        return PaymentRequest(amount: amount, country: country, method: method, orderId: orderId, customer: customer,
                              description: description, notificationURL: notificationURL, returnURL: returnURL,
                              metadata: metadata, expiresAt: expiresAt, capture: capture)
    }

    /// The fields routing needs: `amount`, `country` and `payment_method`, each checked.
    static func parseRouted(_ body: Fields) throws(APIError) -> (Money, String, PaymentMethod) {
        let amountFields = try Fields(body.required("amount"), path: "amount", allowed: ["value", "currency"])
        let currencyCode = try amountFields.string("currency", required: true)!
        guard let currency = Currency(code: currencyCode) else {
            throw .invalid("amount.currency", "Currency '\(currencyCode.prefix(8))' is not supported; use an upper-case ISO-4217 code such as PEN.",
                           code: "currency_not_supported")
        }
        let amount = try parseAmount(amountFields.required("value"), currency: currency)
        let country = try body.string("country", required: true)!
        guard Market.currencies[country] != nil else {
            throw .invalid("country", "Country '\(country.prefix(8))' is not supported; use an upper-case ISO-3166 alpha-2 code such as PE.",
                           code: "country_not_supported")
        }
        return (amount, country, try parseMethod(body.required("payment_method"), country: country))
    }

    /// `amount.value` in `currency`: an integer count of minor units from 1 to ``Money/maximumMinorUnits``.
    public static func parseAmount(_ value: JSONValue, currency: Currency) throws(APIError) -> Money {
        let minor: Int64
        switch value {
        case .int(let integer): minor = integer
        case .decimal(let text) where text.hasPrefix("-"):
            minor = -1
        case .decimal(let text) where value.decimalValue.map({ $0 > Decimal(Money.maximumMinorUnits) })
                                        ?? !(text.contains("e-") || text.contains("E-")):
            // Beyond the range (64 bits and Decimal's own included): too large, whatever its form.
            minor = Money.maximumMinorUnits + 1
        case .decimal:
            throw .invalid("amount.value", "amount.value is an integer count of minor units (\(currency.code) has \(currency.exponent) decimals: 150.00 is \(Money(majorUnits: "150", currency: currency)!.minorUnits)).",
                           code: "amount_invalid")
        default:
            throw .invalid("amount.value", "amount.value must be an integer, not \(value.typeName).", code: "amount_invalid")
        }
        guard minor > 0 else {
            throw .invalid("amount.value", "amount.value must be greater than zero.", code: "amount_too_small")
        }
        guard minor <= Money.maximumMinorUnits else {
            throw .invalid("amount.value", "amount.value must be at most \(Money.maximumMinorUnits).", code: "amount_too_large")
        }
        return Money(minorUnits: minor, currency: currency)
    }

    static func parseMethod(_ value: JSONValue, country: String) throws(APIError) -> PaymentMethod {
        let type = try Fields(value, path: "payment_method", allowed: ["type", "bank", "token", "network"]).string("type", required: true)!
        switch PaymentMethodType(rawValue: type) {
        case .cash:
            let fields = try Fields(value, path: "payment_method", allowed: ["type", "network"])
            guard let network = try fields.string("network") else { return .cash(network: nil) }
            let networks = Market.cashNetworks[country] ?? []
            guard networks.contains(network) else {
                let list = networks.isEmpty ? "none can be named in \(country)" : networks.joined(separator: ", ")
                throw .invalid("payment_method.network", "Unknown cash network '\(network.prefix(20))' for \(country): \(list).")
            }
            return .cash(network: network)
        case .bankTransfer:
            let fields = try Fields(value, path: "payment_method", allowed: ["type", "bank"])
            guard let bank = try fields.string("bank") else { return .bankTransfer(bank: nil) }
            let banks = Market.banks[country] ?? []
            guard banks.contains(bank) else {
                let list = banks.isEmpty ? "none can be named in \(country)" : banks.sorted().joined(separator: ", ")
                throw .invalid("payment_method.bank", "Unknown bank '\(bank.prefix(20))' for \(country): \(list).")
            }
            return .bankTransfer(bank: bank)
        case .card:
            let fields = try Fields(value, path: "payment_method", allowed: ["type", "token"])
            let token = try fields.string("token", required: true, maxLength: 200)!
            return .card(token: token)
        case nil:
            throw .invalid("payment_method.type", "payment_method.type must be one of cash, bank_transfer, card.")
        }
    }

    static func parseCustomer(_ value: JSONValue, country: String) throws(APIError) -> Customer {
        let fields = try Fields(value, path: "customer", allowed: ["name", "email", "document"])
        let name = try fields.string("name", required: true, maxLength: 100)!
        let email = try fields.string("email", required: true, maxLength: 254)!
        guard isPlausibleEmail(email) else { throw .invalid("customer.email", "customer.email is not an email address.") }
        let rules = Market.documents[country] ?? [:]
        guard let documentValue = try fields.optional("document") else {
            if rules.isEmpty { return Customer(name: name, email: email) }
            throw .invalid("customer.document", "customer.document is required for payers in \(country).", code: "parameter_missing")
        }
        let document = try Fields(documentValue, path: "customer.document", allowed: ["type", "number"])
        let type = try document.string("type", required: true)!
        let number = try document.string("number", required: true)!
        if !rules.isEmpty {
            guard let rule = rules[type] else {
                throw .invalid("customer.document.type", "Document type '\(type.prefix(10))' is not known in \(country): use \(rules.keys.sorted().joined(separator: ", ")).")
            }
            guard rule.accepts(number) else {
                throw .invalid("customer.document.number", "A \(type) number has \(rule.summary).")
            }
        }
        return Customer(name: name, email: email, document: Document(type: type, number: number))
    }

    static func parseMetadata(_ value: JSONValue?) throws(APIError) -> [String: String] {
        guard let value, value != .null else { return [:] }
        guard case .object(let entries) = value else { throw .invalid("metadata", "metadata must be an object of strings.") }
        guard entries.count <= 20 else { throw .invalid("metadata", "metadata holds at most 20 keys.") }
        var result: [String: String] = [:]
        for (key, entry) in entries {
            guard !key.isEmpty, key.count <= 40 else { throw .invalid("metadata", "metadata keys are 1 to 40 characters.") }
            guard case .string(let text) = entry else { throw .invalid("metadata.\(key)", "metadata values must be strings.") }
            guard text.count <= 500 else { throw .invalid("metadata.\(key)", "metadata values are at most 500 characters.") }
            result[key] = text
        }
        return result
    }

    static func isPlausibleEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else {
            return false
        }
        return !text.contains(where: { $0.isWhitespace })
    }
}

/// A JSON object being validated, remembering its path for error messages.
struct Fields {
    let entries: [String: JSONValue]
    let path: String?

    init(_ value: JSONValue, path: String?, allowed: Set<String>) throws(APIError) {
        guard case .object(let entries) = value else {
            if let path { throw APIError.invalid(path, "\(path) must be an object, not \(value.typeName).") }
            throw APIError.malformed("The request body must be a JSON object.")
        }
        if let unknown = entries.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalid(Fields.join(path, unknown), "Unknown parameter '\(Fields.join(path, String(unknown.prefix(40))))'.",
                                   code: "parameter_unknown")
        }
        self.entries = entries
        self.path = path
    }

    static func join(_ path: String?, _ key: String) -> String { path.map { "\($0).\(key)" } ?? key }

    /// The field's value, `nil` when absent. `null` is refused: an optional field is left out, not set to null.
    func optional(_ key: String) throws(APIError) -> JSONValue? {
        guard let value = entries[key] else { return nil }
        guard value != .null else { throw APIError.invalid(Fields.join(path, key), "\(Fields.join(path, key)) must not be null; leave it out instead.") }
        return value
    }

    func required(_ key: String) throws(APIError) -> JSONValue {
        guard let value = try optional(key) else {
            throw APIError.invalid(Fields.join(path, key), "\(Fields.join(path, key)) is required.", code: "parameter_missing")
        }
        return value
    }

    func string(_ key: String, required: Bool = false, maxLength: Int = 2048) throws(APIError) -> String? {
        let name = Fields.join(path, key)
        guard let value = required ? try self.required(key) : try optional(key) else { return nil }
        guard case .string(let text) = value else { throw APIError.invalid(name, "\(name) must be a string, not \(value.typeName).") }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { throw APIError.invalid(name, "\(name) must not be empty.", code: required ? "parameter_missing" : "parameter_invalid") }
        // Counted in code points, as JSON Schema's maxLength counts them (a grapheme can hold several).
        guard text.unicodeScalars.count <= maxLength else { throw APIError.invalid(name, "\(name) is longer than \(maxLength) characters.") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.invalid(name, "\(name) must not contain control characters.")
        }
        return text
    }

    func url(_ key: String) throws(APIError) -> String? {
        let name = Fields.join(path, key)
        guard let text = try string(key) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty else {
            throw APIError.invalid(name, "\(name) must be an absolute http or https URL.")
        }
        return text
    }
}
