/// Checkout.com's payment response (PSP-PROTOCOLS.md 2.5): 201 processed, 202 pending with `_links.redirect`.
struct CheckoutPayment: Decodable {
    var id: String
    var status: String?
    var approved: Bool?
    var responseCode: String?
    var responseSummary: String?
    var reference: String?
    var amount: Int64?
    var currency: String?
    var links: CheckoutLinks?

    enum CodingKeys: String, CodingKey {
        case id, status, approved, reference, amount, currency
        case responseCode = "response_code"
        case responseSummary = "response_summary"
        case links = "_links"
    }
}

struct CheckoutLinks: Decodable {
    var redirect: CheckoutHref?
}

struct CheckoutHref: Decodable {
    var href: String
}

/// `{"request_id", "error_type", "error_codes"}` (2.6).
struct CheckoutErrorBody: Decodable {
    var requestId: String?
    var errorType: String?
    var errorCodes: [String]?
    var message: String?

    enum CodingKeys: String, CodingKey {
        case message
        case requestId = "request_id"
        case errorType = "error_type"
        case errorCodes = "error_codes"
    }
}

/// A webhook event (2.7): `{id: "evt_…", type, data{id, reference, amount, currency}}`.
struct CheckoutEvent: Decodable {
    var id: String
    var type: String
    var data: EventData

    struct EventData: Decodable {
        var id: String
        var actionId: String?
        var reference: String?
        var amount: Int64?
        var currency: String?
        var responseCode: String?
        var responseSummary: String?

        enum CodingKeys: String, CodingKey {
            case id, reference, amount, currency
            case actionId = "action_id"
            case responseCode = "response_code"
            case responseSummary = "response_summary"
        }
    }
}

/// One entry of `GET /payments/{id}/actions` (2.3).
struct CheckoutAction: Decodable {
    var id: String
    var type: String
    var approved: Bool?
    var amount: Int64?
    var reference: String?
    var responseCode: String?
    var responseSummary: String?

    enum CodingKeys: String, CodingKey {
        case id, type, approved, amount, reference
        case responseCode = "response_code"
        case responseSummary = "response_summary"
    }
}
