import Foundation
import PasarelaCore

/// What an adapter needs to know about its connection beyond its credentials (which the adapter holds, typed).
public struct AdapterContext: Sendable {
    /// The connection's name (`dlocal`), as in `adapters/dlocal.yaml`.
    public var connection: String
    /// The PSP's base URL without a trailing slash.
    public var baseURL: String
    /// Pasarela's own webhook URL for this connection, sent to the PSP as its notification URL.
    public var webhookURL: String
    /// The access token in force, for PSPs that issue them.
    public var token: String?

    public init(connection: String, baseURL: String, webhookURL: String, token: String? = nil) {
        self.connection = connection
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.webhookURL = webhookURL
        self.token = token
    }
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
