import Foundation
import PasarelaCore

/// What an adapter needs to know about its connection.
public struct AdapterContext: Sendable {
    /// The connection's name (`dlocal`), as in `adapters/dlocal.yaml`.
    public var connection: String
    /// The PSP's base URL without a trailing slash.
    public var baseURL: String
    public var credentials: Credentials
    /// Pasarela's own webhook URL for this connection, sent to the PSP as its notification URL.
    public var webhookURL: String
    /// The access token in force, for PSPs that issue them.
    public var token: String?

    public init(connection: String, baseURL: String, credentials: Credentials, webhookURL: String, token: String? = nil) {
        self.connection = connection
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.credentials = credentials
        self.webhookURL = webhookURL
        self.token = token
    }
}

/// Named secrets of one connection. Its description never shows the values.
public struct Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    /// The secret named `name`, or an empty string when absent (the PSP then refuses the call).
    public subscript(name: String) -> String { values[name] ?? "" }

    public var names: [String] { values.keys.sorted() }
    public var description: String { "Credentials(\(names.joined(separator: ", ")): redacted)" }
    public var debugDescription: String { description }
}

/// One create attempt's inputs.
public struct CreateInput: Sendable {
    public var paymentId: String
    /// Our reference for this attempt, sent to the PSP as its order/reference id and idempotency key.
    public var attemptId: String
    public var request: PaymentRequest
    /// The instant the request is signed at.
    public var now: Date
    /// When the voucher should expire.
    public var expiresAt: Date

    public init(paymentId: String, attemptId: String, request: PaymentRequest, now: Date, expiresAt: Date) {
        self.paymentId = paymentId
        self.attemptId = attemptId
        self.request = request
        self.now = now
        self.expiresAt = expiresAt
    }
}
