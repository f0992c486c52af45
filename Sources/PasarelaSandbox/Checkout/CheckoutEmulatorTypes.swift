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
        var number: String?
        var expiryMonth: Int?
        var expiryYear: Int?
        var cvv: String?

        enum CodingKeys: String, CodingKey {
            case type, token, id, country, description, payer, number, cvv
            case integrationType = "integration_type"
            case expiryMonth = "expiry_month"
            case expiryYear = "expiry_year"
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

/// A payment in the Checkout emulator's ledger, with its actions (authorization, captures, voids, refunds).
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
    /// `capture: false` on the request: an approved card payment stays Authorized until captured.
    var autoCapture: Bool = true
    var last4: String?
    var captured: Int64 = 0
    var refunded: Int64 = 0
    var actions: [CheckoutEmulatedAction] = []

    func json(base: String) -> [String: Any] {
        var source: [String: Any] = ["type": sourceType]
        if let last4 { source["last4"] = last4 }
        var object: [String: Any] = [
            "id": id, "action_id": actionId, "amount": amount, "currency": currency, "status": status, "approved": approved,
            "processed_on": processedOn, "source": source, "_links": links(base: base),
            "balances": ["total_authorized": approved ? amount : 0, "total_captured": captured, "total_refunded": refunded,
                         "available_to_capture": status == "Authorized" ? amount : 0, "available_to_refund": captured - refunded],
        ]
        if let reference { object["reference"] = reference }
        if let responseCode { object["response_code"] = responseCode }
        if let responseSummary { object["response_summary"] = responseSummary }
        return object
    }

    /// `self` and `actions`; `capture` and `void` while Authorized; for a cash APM still pending, the payer's `redirect`.
    func links(base: String) -> [String: Any] {
        let own = "\(base)/payments/\(id)"
        var links: [String: Any] = ["self": ["href": own], "actions": ["href": "\(own)/actions"]]
        if status == "Pending", CheckoutEmulator.cashSources[sourceType] != nil { links["redirect"] = ["href": "\(base)/apm/\(id)"] }
        if status == "Authorized" {
            links["capture"] = ["href": "\(own)/captures"]
            links["void"] = ["href": "\(own)/voids"]
        }
        if captured > refunded { links["refund"] = ["href": "\(own)/refunds"] }
        return links
    }

    /// The status the balances give, once captures or refunds have moved money.
    mutating func settleStatus() {
        if refunded > 0 {
            status = refunded >= captured ? "Refunded" : "Partially Refunded"
        } else if captured > 0 {
            status = captured >= amount ? "Captured" : "Partially Captured"
        }
    }
}

/// One action on a payment, as `GET /payments/{id}/actions` lists it.
struct CheckoutEmulatedAction: Sendable, Codable {
    var id: String
    var type: String
    var amount: Int64
    var approved: Bool
    var reference: String?
    var responseCode: String
    var responseSummary: String
    var processedOn: String

    var json: [String: Any] {
        var object: [String: Any] = ["id": id, "type": type, "amount": amount, "approved": approved, "response_code": responseCode,
                                     "response_summary": responseSummary, "processed_on": processedOn]
        if let reference { object["reference"] = reference }
        return object
    }
}

/// An error answer: HTTP status and `{request_id, error_type, error_codes}` (2.6), the request id also in `Cko-Request-Id`.
struct CheckoutEmulatorError: Error {
    var http: Int
    var type: String
    var codes: [String]

    static func invalid(_ codes: String...) -> CheckoutEmulatorError {
        CheckoutEmulatorError(http: 422, type: "request_invalid", codes: codes)
    }

    static let unauthorized = CheckoutEmulatorError(http: 401, type: "authentication_error", codes: ["invalid_secret_key"])

    static func notFound(_ code: String) -> CheckoutEmulatorError {
        CheckoutEmulatorError(http: 404, type: "not_found", codes: [code])
    }

    static func notAllowed(_ code: String) -> CheckoutEmulatorError {
        CheckoutEmulatorError(http: 403, type: "action_not_allowed", codes: [code])
    }

    var body: [UInt8] {
        let object: [String: Any] = ["request_id": CheckoutEmulator.requestId ?? EmulatorIds.checkout("req"), "error_type": type, "error_codes": codes]
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}
