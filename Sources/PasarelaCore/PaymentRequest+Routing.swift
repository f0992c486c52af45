import Foundation

extension PaymentRequest {
    /// Validates the routing-relevant part of a payment (`amount`, `country`, `payment_method`, `metadata`, and the
    /// payer's document type, which decides which PSPs can take the payer), for explain and dry runs.
    public static func parseForRouting(_ json: JSONValue) throws(APIError) -> PaymentRequest {
        let body = try Fields(json, path: nil, allowed: ["amount", "country", "payment_method", "metadata", "customer"])
        let (amount, country, method) = try parseRouted(body)
        var customer = Customer(name: "-", email: "-")
        if let value = try body.optional("customer") {
            let fields = try Fields(value, path: "customer", allowed: ["document"])
            if let documentValue = try fields.optional("document") {
                let document = try Fields(documentValue, path: "customer.document", allowed: ["type"])
                let type = try document.string("type", required: true)!
                let known = Market.documents[country] ?? [:]
                guard known.isEmpty || known[type] != nil else {
                    throw .invalid("customer.document.type", "Document type '\(type.prefix(10))' is not known in \(country): use \(known.keys.sorted().joined(separator: ", ")).")
                }
                customer.document = Document(type: type, number: "-")
            }
        }
        return PaymentRequest(amount: amount, country: country, method: method, orderId: "explain",
                              customer: customer, metadata: try parseMetadata(body.optional("metadata")))
    }
}
