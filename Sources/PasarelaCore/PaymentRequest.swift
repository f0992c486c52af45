import Foundation

/// A merchant's request to collect money, in Pasarela's unified model, already validated.
public struct PaymentRequest: Sendable, Equatable {
    public var amount: Money
    /// ISO-3166 alpha-2 country of the payer.
    public var country: String
    public var method: PaymentMethod
    /// The merchant's own order reference.
    public var orderId: String
    public var customer: Customer
    public var description: String?
    /// Where Pasarela notifies the merchant of status changes.
    public var notificationURL: String?
    /// Where the payer's browser returns after a redirect flow.
    public var returnURL: String?
    public var metadata: [String: String]
    /// When an unpaid voucher expires; defaults to 24 h after creation.
    public var expiresAt: Date?
    /// For cards: capture with the payment, or hold the funds until captured.
    public var capture: CaptureMethod

    public init(amount: Money, country: String, method: PaymentMethod, orderId: String, customer: Customer,
                description: String? = nil, notificationURL: String? = nil, returnURL: String? = nil,
                metadata: [String: String] = [:], expiresAt: Date? = nil, capture: CaptureMethod = .automatic) {
        self.amount = amount
        self.country = country
        self.method = method
        self.orderId = orderId
        self.customer = customer
        self.description = description
        self.notificationURL = notificationURL
        self.returnURL = returnURL
        self.metadata = metadata
        self.expiresAt = expiresAt
        self.capture = capture
    }
}

/// The payer.
public struct Customer: Sendable, Equatable, Codable {
    public var name: String
    public var email: String
    public var document: Document?

    public init(name: String, email: String, document: Document? = nil) {
        self.name = name
        self.email = email
        self.document = document
    }
}

/// An identity document such as a Peruvian DNI (8 digits) or RUC (11 digits).
public struct Document: Sendable, Equatable, Codable {
    public var type: String
    public var number: String

    public init(type: String, number: String) {
        self.type = type
        self.number = number
    }
}
