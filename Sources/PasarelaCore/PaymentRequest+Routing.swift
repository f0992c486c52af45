import Foundation

extension PaymentRequest {
    /// Validates the routing-relevant part of a payment (`amount`, `country`, `payment_method`, `metadata`), for
    /// explain and dry runs. The payer is not needed to route and is left as a placeholder.
    public static func parseForRouting(_ json: JSONValue) throws(APIError) -> PaymentRequest {
        let body = try Fields(json, path: nil, allowed: ["amount", "country", "payment_method", "metadata"])
        let (amount, country, method) = try parseRouted(body)
        return PaymentRequest(amount: amount, country: country, method: method, orderId: "explain",
                              customer: Customer(name: "-", email: "-"), metadata: try parseMetadata(body.optional("metadata")))
    }
}
