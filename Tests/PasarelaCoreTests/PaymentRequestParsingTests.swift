import Foundation
import PasarelaCore
import Testing

@Suite struct PaymentRequestParsingTests {
    static let now = Date(timeIntervalSince1970: 1_795_705_445)   // 2026-11-26T15:04:05Z

    static let valid = """
        {"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"},"order_id":"o-1",
         "customer":{"name":"Pedro Gomez","email":"pedro@example.com","document":{"type":"DNI","number":"27662162"}},
         "description":"Pedido","notification_url":"https://shop.example/hook","return_url":"https://shop.example/back",
         "metadata":{"cart":"42"},"expires_at":"2026-11-27T10:00:00-05:00"}
        """

    static func parse(_ text: String) throws(APIError) -> PaymentRequest {
        let json: JSONValue
        do { json = try JSONValue.parse(Array(text.utf8), bigIntegers: .keepAsText) } catch { throw .malformed("not JSON") }
        return try PaymentRequest.parse(json, now: now)
    }

    /// The valid body with one field replaced (or removed with `nil`), at a dotted path.
    static func variant(_ path: String, _ value: String?) -> String {
        var object = try! JSONSerialization.jsonObject(with: Data(valid.utf8)) as! [String: Any]
        let keys = path.split(separator: ".").map(String.init)
        func set(_ dict: inout [String: Any], _ keys: ArraySlice<String>) {
            let key = keys.first!
            if keys.count == 1 {
                if let value { dict[key] = try! JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed) } else { dict[key] = nil }
            } else {
                var inner = dict[key] as! [String: Any]
                set(&inner, keys.dropFirst())
                dict[key] = inner
            }
        }
        set(&object, keys[...])
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func aValidRequestParses() throws {
        let request = try Self.parse(Self.valid)
        #expect(request.amount == Money(minorUnits: 15000, currency: Currency(code: "PEN")!))
        #expect(request.method == .cash(network: nil))
        #expect(request.customer.document == Document(type: "DNI", number: "27662162"))
        #expect(request.metadata == ["cart": "42"])
        #expect(request.expiresAt == Timestamps.parse("2026-11-27T15:00:00Z"))
    }

    @Test func anAmountWithAFractionIsRefusedEvenWhenWhole() {
        // As the server reads bodies (JSONDecoder would hand 15000.0 over as an integer).
        let body = Self.valid.replacingOccurrences(of: #""value":15000"#, with: #""value":15000.0"#)
        #expect(throws: APIError.self) { try PaymentRequest.parse(try JSONValue.parse(Array(body.utf8)), now: Self.now) }
        #expect((try? Self.parse(Self.valid.replacingOccurrences(of: #""description":"Pedido""#, with: #""description":null"#))) == nil,
                "null is refused for an optional field")
    }

    @Test(arguments: [
        ("amount", nil, "amount", "parameter_missing"),
        ("amount.value", nil, "amount.value", "parameter_missing"),
        ("amount.value", "0", "amount.value", "amount_too_small"),
        ("amount.value", "-100", "amount.value", "amount_too_small"),
        ("amount.value", "150.5", "amount.value", "amount_invalid"),
        ("amount.value", "\"15000\"", "amount.value", "amount_invalid"),
        ("amount.value", "1000000000000", "amount.value", "amount_too_large"),
        ("amount.value", "100000000000000000000000", "amount.value", "amount_too_large"),
        ("amount.value", "1e300", "amount.value", "amount_too_large"),
        ("amount.value", "-100000000000000000000000", "amount.value", "amount_too_small"),
        ("amount.currency", "\"XYZ\"", "amount.currency", "currency_not_supported"),
        ("amount.currency", "\"pen\"", "amount.currency", "currency_not_supported"),
        ("amount.currency", "\"MXN\"", "amount.currency", "currency_not_allowed"),
        ("amount.extra", "1", "amount.extra", "parameter_unknown"),
        ("country", nil, "country", "parameter_missing"),
        ("country", "\"ZZ\"", "country", "country_not_supported"),
        ("country", "7", "country", "parameter_invalid"),
        ("payment_method", nil, "payment_method", "parameter_missing"),
        ("payment_method", "\"cash\"", "payment_method", "parameter_invalid"),
        ("payment_method.type", "\"crypto\"", "payment_method.type", "parameter_invalid"),
        ("payment_method.token", "\"tok\"", "payment_method.token", "parameter_unknown"),
        ("order_id", nil, "order_id", "parameter_missing"),
        ("order_id", "\"\"", "order_id", "parameter_missing"),
        ("order_id", "12", "order_id", "parameter_invalid"),
        ("customer", nil, "customer", "parameter_missing"),
        ("customer.email", "\"not-an-email\"", "customer.email", "parameter_invalid"),
        ("customer.name", nil, "customer.name", "parameter_missing"),
        ("customer.document", nil, "customer.document", "parameter_missing"),
        ("customer.document.type", "\"SSN\"", "customer.document.type", "parameter_invalid"),
        ("customer.document.number", "\"1234\"", "customer.document.number", "parameter_invalid"),
        ("notification_url", "\"ftp://x\"", "notification_url", "parameter_invalid"),
        ("return_url", "\"not a url\"", "return_url", "parameter_invalid"),
        ("metadata", "[1]", "metadata", "parameter_invalid"),
        ("metadata", "{\"a\":1}", "metadata.a", "parameter_invalid"),
        ("expires_at", "\"tomorrow\"", "expires_at", "parameter_invalid"),
        ("expires_at", "\"2026-11-26T15:05:00Z\"", "expires_at", "parameter_invalid"),
        ("expires_at", "\"2027-06-01T00:00:00Z\"", "expires_at", "parameter_invalid"),
        ("colour", "\"red\"", "colour", "parameter_unknown"),
    ] as [(String, String?, String, String)])
    func badFieldsAreNamed(path: String, value: String?, param: String, code: String) {
        do {
            _ = try Self.parse(Self.variant(path, value))
            Issue.record("accepted \(path) = \(value ?? "missing")")
        } catch {
            #expect(error.status == 422)
            #expect(error.param == param, "\(error)")
            #expect(error.code == code, "\(error)")
        }
    }

    @Test func aBodyThatIsNotAnObjectIs400() {
        for text in ["[]", "\"x\"", "3", "null"] {
            #expect(throws: APIError.malformed("The request body must be a JSON object.")) { try Self.parse(text) }
        }
    }

    @Test func cardAndBankTransferCarryTheirDetails() throws {
        let card = try Self.parse(Self.variant("payment_method", #"{"type":"card","token":"tok_abc"}"#))
        #expect(card.method == .card(token: "tok_abc"))
        let bank = try Self.parse(Self.variant("payment_method", #"{"type":"bank_transfer","bank":"bcp"}"#))
        #expect(bank.method == .bankTransfer(bank: "bcp"))
        #expect(throws: APIError.self) { try Self.parse(Self.variant("payment_method", #"{"type":"card"}"#)) }
        #expect(throws: APIError.self) { try Self.parse(Self.variant("payment_method", #"{"type":"bank_transfer","bank":"chase"}"#)) }
    }
}
