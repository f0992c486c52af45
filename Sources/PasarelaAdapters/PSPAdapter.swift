import Foundation
import PasarelaCore

/// One PSP protocol. Every requirement is a pure function: no I/O, no clock, no store.
/// The gateway runs what ``buildCreate(_:context:)`` returns and hands the answer to ``parseCreate(_:input:)``.
public protocol PSPAdapter: Sendable {
    /// The `kind` in `adapters/NAME.yaml` that selects this adapter.
    var kind: String { get }

    /// Whether this adapter can carry the request at all (method, country, currency it knows).
    /// - Returns: `nil` when supported, else the reason.
    func unsupportedReason(_ request: PaymentRequest) -> String?

    /// Builds the signed create-payment request.
    func buildCreate(_ input: CreateInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest

    /// Classifies the PSP's answer to a create request.
    func parseCreate(_ response: InboundMessage, input: CreateInput) -> PSPOutcome

    /// Builds the signed status lookup for a payment the PSP knows by `pspPaymentId`; `nil` when the PSP has none.
    func buildLookup(pspPaymentId: String, now: Date, context: AdapterContext) -> OutboundRequest?

    /// Classifies the PSP's answer to a status lookup.
    func parseLookup(_ response: InboundMessage) -> PSPOutcome

    /// Verifies a webhook over its raw bytes and turns it into events.
    /// - Throws: ``WebhookError/unauthenticated(_:)`` for a missing or wrong signature,
    ///   ``WebhookError/malformed(_:)`` for a genuine body that is not the PSP's shape.
    func parseWebhook(_ message: InboundMessage, context: AdapterContext) throws(WebhookError) -> [PSPEvent]

    /// For PSPs that issue access tokens: the token request to send before other calls; `nil` when none is needed.
    func buildTokenRequest(now: Date, context: AdapterContext) -> OutboundRequest?

    /// Reads the token from the answer to ``buildTokenRequest(now:context:)``.
    func parseTokenResponse(_ response: InboundMessage, now: Date) throws(AdapterError) -> AccessToken

    /// How long before its expiry a cached token is replaced.
    var tokenRefreshMargin: TimeInterval { get }
}

extension PSPAdapter {
    public func buildTokenRequest(now: Date, context: AdapterContext) -> OutboundRequest? { nil }
    public func parseTokenResponse(_ response: InboundMessage, now: Date) throws(AdapterError) -> AccessToken {
        throw .authentication("this PSP issues no tokens")
    }
    public var tokenRefreshMargin: TimeInterval { 0 }
}

/// A bearer token a PSP issued, and when it stops working.
public struct AccessToken: Sendable, Equatable {
    public var value: String
    public var expiresAt: Date
    public init(value: String, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }
}

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

/// Why an adapter could not build a request.
public enum AdapterError: Error, Sendable, Equatable {
    case unsupported(String)
    /// The PSP refused or garbled a token exchange.
    case authentication(String)
}

/// Why a webhook was refused.
public enum WebhookError: Error, Sendable, Equatable {
    /// Missing, malformed or wrong signature: answer 401, change nothing.
    case unauthenticated(String)
    /// Signed, but not the PSP's shape: answer 400, change nothing.
    case malformed(String)
}
