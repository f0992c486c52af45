import Foundation

/// What the Checkout emulator reads from `POST /payments`, written from PSP-PROTOCOLS.md 2.4 (not the adapter's structs).
struct CheckoutEmulatorRequest: Decodable {
    var source: Source?
    var amount: Int64?
    var currency: String?
    var reference: String?
    var description: String?
    var capture: Bool?
    var successUrl: String?
    var failureUrl: String?

    struct Source: Decodable {
        var type: String?
        var token: String?
        var id: String?
        var integrationType: String?
        var country: String?
        var description: String?
        var payer: Payer?

        enum CodingKeys: String, CodingKey {
            case type, token, id, country, description, payer
            case integrationType = "integration_type"
        }
    }

    struct Payer: Decodable {
        var name: String?
        var email: String?
        var document: String?
    }

    enum CodingKeys: String, CodingKey {
        case source, amount, currency, reference, description, capture
        case successUrl = "success_url"
        case failureUrl = "failure_url"
    }
}

/// A payment in the Checkout emulator's ledger.
struct CheckoutEmulatedPayment: Sendable, Codable {
    var id: String
    var actionId: String
    var amount: Int64
    var currency: String
    var reference: String?
    var sourceType: String
    var status: String
    var approved: Bool
    var responseCode: String?
    var responseSummary: String?
    var processedOn: String

    func json(base: String) -> [String: Any] {
        var object: [String: Any] = [
            "id": id, "action_id": actionId, "amount": amount, "currency": currency, "status": status, "approved": approved,
            "processed_on": processedOn, "source": ["type": sourceType],
            "_links": links(base: base),
        ]
        if let reference { object["reference"] = reference }
        if let responseCode { object["response_code"] = responseCode }
        if let responseSummary { object["response_summary"] = responseSummary }
        return object
    }

    /// `self`, and for a cash APM still pending, the payer's `redirect`.
    func links(base: String) -> [String: Any] {
        var links: [String: Any] = ["self": ["href": "\(base)/payments/\(id)"]]
        if status == "Pending", CheckoutEmulator.cashSources[sourceType] != nil { links["redirect"] = ["href": "\(base)/apm/\(id)"] }
        return links
    }
}

/// An error answer: HTTP status and `{request_id, error_type, error_codes}` (2.6); 401 has no body.
struct CheckoutEmulatorError: Error {
    var http: Int
    var type: String
    var codes: [String]

    static func invalid(_ codes: String...) -> CheckoutEmulatorError {
        CheckoutEmulatorError(http: 422, type: "request_invalid", codes: codes)
    }

    static let unauthorized = CheckoutEmulatorError(http: 401, type: "", codes: [])

    var body: [UInt8] {
        guard http != 401 else { return [] }
        let object: [String: Any] = ["request_id": EmulatorIds.checkout("req"), "error_type": type, "error_codes": codes]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}
