import Foundation

/// dLocal's payment object as it arrives in responses and notifications (PSP-PROTOCOLS.md 1.6), read with the strict
/// JSON reader. Only `id` and `status` are required; everything else is optional because dLocal omits what does not
/// apply.
struct DLocalPayment {
    var id: String
    /// The amount's exact text (`150.00`), in major units.
    var amount: String?
    var currency: String?
    var status: String
    var statusCode: Int?
    var statusDetail: String?
    var orderId: String?
    var redirectUrl: String?
    var ticket: DLocalTicket?
    var bankTransferReference: String?
    var bankTransferRedirectUrl: String?
    var threeDSRedirectUrl: String?

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        id = try json.required("id")
        status = try json.required("status")
        amount = try json.decimalText("amount")
        currency = try json.string("currency")
        statusCode = try json.code("status_code")
        statusDetail = try json.string("status_detail")
        orderId = try json.string("order_id")
        redirectUrl = try json.string("redirect_url")
        ticket = try json.object("ticket").map(DLocalTicket.init)
        let transfer = try json.object("bank_transfer")
        bankTransferReference = try transfer?.string("reference")
        bankTransferRedirectUrl = try transfer?.string("redirect_url")
        threeDSRedirectUrl = try json.object("three_dsecure")?.string("redirect_url")
    }

    /// The payment a body holds, or `nil` when it is not one.
    static func read(_ bytes: [UInt8]) -> DLocalPayment? { try? DLocalPayment(JSONFields.parse(bytes)) }
}

/// dLocal's order object (`GET /orders/{order_id}`): the payment made for one of our order ids.
struct DLocalOrder {
    var orderId: String
    var paymentId: String
    var status: String?

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        orderId = try json.required("order_id")
        paymentId = try json.required("payment_id")
        status = try json.string("status")
    }

    static func read(_ bytes: [UInt8]) -> DLocalOrder? { try? DLocalOrder(JSONFields.parse(bytes)) }
}

struct DLocalTicket {
    var number: String?
    var barcode: String?
    var expirationDate: String?
    var imageUrl: String?

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        number = try json.string("number")
        barcode = try json.string("barcode")
        expirationDate = try json.string("expiration_date")
        imageUrl = try json.string("image_url")
    }
}

/// dLocal's error body (1.9): `{"code": 5001, "message": "...", "param": "payer.document"}`.
struct DLocalErrorBody {
    var code: Int
    var message: String?
    var param: String?

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        guard let code = try json.code("code") else { throw JSONFields.Unreadable() }
        self.code = code
        message = try json.string("message")
        param = try json.string("param")
    }

    static func read(_ bytes: [UInt8]) -> DLocalErrorBody? { try? DLocalErrorBody(JSONFields.parse(bytes)) }
}

/// dLocal's refund object (1.8), in answers and refund notifications.
struct DLocalRefund {
    var id: String
    var paymentId: String?
    /// The amount's exact text, in major units.
    var amount: String?
    var currency: String?
    var status: String
    var statusCode: Int?
    var statusDetail: String?

    init(_ json: JSONFields) throws(JSONFields.Unreadable) {
        id = try json.required("id")
        status = try json.required("status")
        paymentId = try json.string("payment_id")
        amount = try json.decimalText("amount")
        currency = try json.string("currency")
        statusCode = try json.code("status_code")
        statusDetail = try json.string("status_detail")
    }

    static func read(_ bytes: [UInt8]) -> DLocalRefund? { try? DLocalRefund(JSONFields.parse(bytes)) }
}
