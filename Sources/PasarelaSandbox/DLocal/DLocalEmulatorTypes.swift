import Foundation

/// What the emulator reads from `POST /payments`, written from PSP-PROTOCOLS.md 1.5 (never the adapter's structs).
/// Every field is optional here so a missing one can be refused with dLocal's 5001 and its `param`.
struct EmulatorCreateRequest: Decodable {
    var amount: Decimal?
    var currency: String?
    var country: String?
    var paymentMethodId: String?
    var paymentMethodFlow: String?
    var payer: Payer?
    var card: Card?
    var orderId: String?
    var description: String?
    var notificationUrl: String?
    var callbackUrl: String?
    /// A capture of an earlier authorization (1.4): `POST /payments` with this instead of a method.
    var authorizationId: String?

    struct Payer: Decodable {
        var name: String?
        var email: String?
        var document: String?
        var documentType: String?

        enum CodingKeys: String, CodingKey {
            case name, email, document
            case documentType = "document_type"
        }
    }

    struct Card: Decodable {
        var token: String?
        var cardId: String?
        var capture: Bool?

        enum CodingKeys: String, CodingKey {
            case token, capture
            case cardId = "card_id"
        }
    }

    enum CodingKeys: String, CodingKey {
        case amount, currency, country, payer, card, description
        case paymentMethodId = "payment_method_id"
        case paymentMethodFlow = "payment_method_flow"
        case orderId = "order_id"
        case notificationUrl = "notification_url"
        case callbackUrl = "callback_url"
        case authorizationId = "authorization_id"
    }
}

/// A payment in the emulator's ledger, rendered as dLocal's payment object (1.6).
public struct EmulatedPayment: Codable, Sendable {
    public var id: String
    var amount: Decimal
    var currency: String
    var country: String
    var paymentMethodId: String
    var paymentMethodType: String
    var paymentMethodFlow: String
    var payer: EmulatedPayer
    var orderId: String
    var description: String?
    var notificationUrl: String?
    var createdDate: String
    var approvedDate: String?
    public var status: String
    public var statusCode: String
    var statusDetail: String
    var ticket: EmulatedTicket?
    var bankTransfer: EmulatedBankTransfer?
    var redirectUrl: String?

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, country, payer, description, status, ticket
        case paymentMethodId = "payment_method_id"
        case paymentMethodType = "payment_method_type"
        case paymentMethodFlow = "payment_method_flow"
        case orderId = "order_id"
        case notificationUrl = "notification_url"
        case createdDate = "created_date"
        case approvedDate = "approved_date"
        case statusCode = "status_code"
        case statusDetail = "status_detail"
        case bankTransfer = "bank_transfer"
        case redirectUrl = "redirect_url"
    }
}

/// dLocal's order object (`GET /orders/{order_id}`, 1.4).
struct EmulatedOrder: Encodable {
    var orderId: String
    var paymentId: String
    var currency: String
    var amount: Decimal
    var createdDate: String
    var approvedDate: String?
    var status: String
    var statusCode: String
    var statusDetail: String

    enum CodingKeys: String, CodingKey {
        case currency, amount, status
        case orderId = "order_id"
        case paymentId = "payment_id"
        case createdDate = "created_date"
        case approvedDate = "approved_date"
        case statusCode = "status_code"
        case statusDetail = "status_detail"
    }
}

struct EmulatedPayer: Codable, Sendable {
    var name: String
    var email: String
    var document: String
    var documentType: String?

    enum CodingKeys: String, CodingKey {
        case name, email, document
        case documentType = "document_type"
    }
}

struct EmulatedTicket: Codable, Sendable {
    var type: String
    var number: String
    var expirationDate: String
    var id: String
    var companyName: String
    var providerName: String
    var providerLogo: String
    var imageUrl: String
    var amount: Decimal
    var currency: String

    enum CodingKeys: String, CodingKey {
        case type, number, id, amount, currency
        case expirationDate = "expiration_date"
        case companyName = "company_name"
        case providerName = "provider_name"
        case providerLogo = "provider_logo"
        case imageUrl = "image_url"
    }
}

struct EmulatedBankTransfer: Codable, Sendable {
    var name: String
    var code: String
    var reference: String
    var beneficiary: String

    enum CodingKeys: String, CodingKey { case name, code, reference, beneficiary }
}

/// dLocal's error body and HTTP status (1.9).
public struct EmulatorError: Error, Sendable {
    public var http: Int
    public var code: Int
    public var message: String
    public var param: String?

    static func missing(_ param: String) -> EmulatorError {
        EmulatorError(http: 400, code: 5001, message: "Invalid parameter: \(param)", param: param)
    }

    static let invalidCredentials = EmulatorError(http: 403, code: 3001, message: "Invalid credentials")
    static let paymentNotFound = EmulatorError(http: 404, code: 4000, message: "Payment not found")
    static let invalidStatus = EmulatorError(http: 400, code: 5002, message: "Invalid transaction status")

    var body: [UInt8] {
        var object: [String: Any] = ["code": code, "message": message]
        if let param { object["param"] = param }
        return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }
}

