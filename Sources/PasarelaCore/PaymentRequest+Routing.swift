import Foundation

extension PaymentRequest {
    /// Validates the routing-relevant part of a payment (`amount`, `country`, `payment_method`, `metadata`), for
    /// explain and dry runs. The payer is not needed to route and is left as a placeholder.
    public static func parseForRouting(_ json: JSONValue) throws(APIError) -> PaymentRequest {
        let body = try Fields(json, path: nil, allowed: ["amount", "country", "payment_method", "metadata"])
        let amountFields = try Fields(body.required("amount"), path: "amount", allowed: ["value", "currency"])
        let code = try amountFields.string("currency", required: true)!
        guard let currency = Currency(code: code) else {
            throw .invalid("amount.currency", "Currency '\(code.prefix(8))' is not supported.", code: "currency_not_supported")
        }
        let amount = try parseAmount(amountFields.required("value"), currency: currency)
        let country = try body.string("country", required: true)!
        guard Market.currencies[country] != nil else {
            throw .invalid("country", "Country '\(country.prefix(8))' is not supported.", code: "country_not_supported")
        }
        let method = try parseMethod(body.required("payment_method"), country: country)
        return PaymentRequest(amount: amount, country: country, method: method, orderId: "explain",
                              customer: Customer(name: "-", email: "-"), metadata: try parseMetadata(body.optional("metadata")))
    }
}
