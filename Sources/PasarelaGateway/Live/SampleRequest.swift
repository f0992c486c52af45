import Foundation
import PasarelaCore

/// A payment described by what routing reads (country, currency, method, amount, document, token), for explaining a
/// plan without a merchant's request: `pasarela routes explain` and the console's rules page.
public struct SampleRequest: Sendable {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public var country: String
    public var currency: String
    public var method: String
    /// In major units, e.g. `150.00`.
    public var amount: String
    public var document: String?
    public var token: String?
    public var network: String?
    public var metadata: [String: String]

    public init(country: String, currency: String, method: String, amount: String, document: String? = nil, token: String? = nil,
                network: String? = nil, metadata: [String: String] = [:]) {
        self.country = country
        self.currency = currency
        self.method = method
        self.amount = amount
        self.document = document
        self.token = token
        self.network = network
        self.metadata = metadata
    }

    /// The request routing sees, or what is wrong with the sample.
    public func request() throws(Invalid) -> PaymentRequest {
        guard let currencyValue = Currency(code: currency) else { throw Invalid(description: "unknown currency \(currency)") }
        guard let money = Money(majorUnits: amount, currency: currencyValue), money.minorUnits > 0 else {
            throw Invalid(description: "the amount must be positive with at most \(currencyValue.exponent) decimals in \(currency)")
        }
        var fields: [String: JSONValue] = [
            "amount": .object(["value": .int(money.minorUnits), "currency": .string(currency)]),
            "country": .string(country),
        ]
        var methodFields: [String: JSONValue] = ["type": .string(method)]
        if let network, !network.isEmpty { methodFields["network"] = .string(network) }
        if method == "card" { methodFields["token"] = .string(token.flatMap { $0.isEmpty ? nil : $0 } ?? "tok_explain") }
        if let document, !document.isEmpty { fields["customer"] = .object(["document": .object(["type": .string(document)])]) }
        fields["payment_method"] = .object(methodFields)
        if !metadata.isEmpty { fields["metadata"] = .object(metadata.mapValues { .string($0) }) }
        do { return try PaymentRequest.parseForRouting(.object(fields)) } catch {
            throw Invalid(description: "\(error.param ?? "request"): \(error.message)")
        }
    }
}
