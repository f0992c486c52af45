import Foundation

/// dLocal's payment object as it arrives in responses and notifications (PSP-PROTOCOLS.md 1.6).
/// Only `id` and `status` are required; everything else is optional because dLocal omits what does not apply.
struct DLocalPayment: Decodable {
    var id: String
    var amount: Decimal?
    var currency: String?
    var country: String?
    var paymentMethodId: String?
    var paymentMethodType: String?
    var status: String
    var statusCode: DLocalCode?
    var statusDetail: String?
    var orderId: String?
    var createdDate: String?
    var redirectUrl: String?
    var ticket: DLocalTicket?
    var bankTransfer: DLocalBankTransfer?
    var threeDsecure: DLocalThreeDS?

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, country, status, ticket
        case paymentMethodId = "payment_method_id"
        case paymentMethodType = "payment_method_type"
        case statusCode = "status_code"
        case statusDetail = "status_detail"
        case orderId = "order_id"
        case createdDate = "created_date"
        case redirectUrl = "redirect_url"
        case bankTransfer = "bank_transfer"
        case threeDsecure = "three_dsecure"
    }
}

struct DLocalTicket: Decodable {
    var type: String?
    var number: String?
    var barcode: String?
    var expirationDate: String?
    var imageUrl: String?
    var id: String?

    enum CodingKeys: String, CodingKey {
        case type, number, barcode, id
        case expirationDate = "expiration_date"
        case imageUrl = "image_url"
    }
}

struct DLocalBankTransfer: Decodable {
    var reference: String?
    var redirectUrl: String?

    enum CodingKeys: String, CodingKey {
        case reference
        case redirectUrl = "redirect_url"
    }
}

struct DLocalThreeDS: Decodable {
    var redirectUrl: String?

    enum CodingKeys: String, CodingKey { case redirectUrl = "redirect_url" }
}

/// dLocal's error body (1.9): `{"code": 5001, "message": "...", "param": "payer.document"}`.
struct DLocalErrorBody: Decodable {
    var code: DLocalCode
    var message: String?
    var param: String?
}

/// A code dLocal writes as a string (`"100"`) in payments and sometimes as a number elsewhere.
struct DLocalCode: Decodable, Equatable {
    var value: Int

    init(_ value: Int) { self.value = value }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            value = number
        } else if let text = try? container.decode(String.self), let number = Int(text) {
            value = number
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "status code is neither an integer nor a numeric string")
        }
    }
}

/// dLocal's refund object (1.8), in answers and refund notifications.
struct DLocalRefund: Decodable {
    var id: String
    var paymentId: String?
    var amount: Decimal?
    var currency: String?
    var status: String
    var statusCode: DLocalCode?
    var statusDetail: String?

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, status
        case paymentId = "payment_id"
        case statusCode = "status_code"
        case statusDetail = "status_detail"
    }
}
