import PasarelaCore

/// Checkout.com's payment response (PSP-PROTOCOLS.md 2.5): 201 processed, 202 pending with `_links.redirect`, read
/// with the strict JSON reader.
struct CheckoutPayment {
    var id: String
    var status: String?
    var approved: Bool?
    var responseCode: String?
    var responseSummary: String?
    var amount: Int64?
    var currency: String?
    var redirect: String?

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        id = try json.required("id")
        status = try json.string("status")
        approved = try json.bool("approved")
        responseCode = try json.string("response_code")
        responseSummary = try json.string("response_summary")
        amount = try json.int("amount")
        currency = try json.string("currency")
        redirect = try json.object("_links")?.object("redirect")?.required("href")
    }

    static func read(_ bytes: [UInt8]) -> CheckoutPayment? { try? CheckoutPayment(JSONFields.parse(bytes)) }
}

/// `{"request_id", "error_type", "error_codes"}` (2.6).
struct CheckoutErrorBody {
    var requestId: String?
    var errorType: String?
    var errorCodes: [String]?
    var message: String?

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        requestId = try json.string("request_id")
        errorType = try json.string("error_type")
        errorCodes = try json.strings("error_codes")
        message = try json.string("message")
    }

    static func read(_ bytes: [UInt8]) -> CheckoutErrorBody? { try? CheckoutErrorBody(JSONFields.parse(bytes)) }
}

/// A webhook event (2.7): `{id: "evt_…", type, data{id, reference, amount, currency}}`.
struct CheckoutEvent {
    var id: String
    var type: String
    var data: EventData

    struct EventData {
        var id: String
        var actionId: String?
        var reference: String?
        var amount: Int64?
        var currency: String?
        var responseCode: String?
        var responseSummary: String?
    }

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        id = try json.required("id")
        type = try json.required("type")
        guard let data = try json.object("data") else { throw JSONFields.Unreadable() }
        self.data = EventData(id: try data.required("id"), actionId: try data.string("action_id"), reference: try data.string("reference"),
                              amount: try data.int("amount"), currency: try data.string("currency"),
                              responseCode: try data.string("response_code"), responseSummary: try data.string("response_summary"))
    }

    static func read(_ bytes: [UInt8]) -> CheckoutEvent? { try? CheckoutEvent(JSONFields.parse(bytes)) }
}

/// One entry of `GET /payments/{id}/actions` (2.3).
struct CheckoutAction {
    var id: String
    var type: String
    var approved: Bool?
    var amount: Int64?
    var reference: String?
    var responseCode: String?
    var responseSummary: String?

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        id = try json.required("id")
        type = try json.required("type")
        approved = try json.bool("approved")
        amount = try json.int("amount")
        reference = try json.string("reference")
        responseCode = try json.string("response_code")
        responseSummary = try json.string("response_summary")
    }

    /// The list of actions a body holds, or `nil` when it is not one.
    static func list(_ bytes: [UInt8]) -> [CheckoutAction]? {
        guard case .array(let items)? = try? JSONValue.parse(bytes) else { return nil }
        var actions: [CheckoutAction] = []
        for item in items {
            guard let action = try? CheckoutAction(JSONFields(item)) else { return nil }
            actions.append(action)
        }
        return actions
    }
}
