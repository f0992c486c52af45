import Foundation
import PasarelaCore
import PasarelaStore

/// A merchant's `Idempotency-Key` and what it is bound to: a fingerprint of the request it came with, so the same key
/// with another request is told apart from a retry.
public struct IdempotencyKey: Sendable, Equatable {
    public var key: String
    public var fingerprint: String

    public init(key: String, fingerprint: String) {
        self.key = key
        self.fingerprint = fingerprint
    }
}

/// `POST /v1/payments`, parsed: a validated request from a merchant.
public struct CreatePaymentCommand: Sendable {
    public var request: PaymentRequest
    public var merchant: Merchant
    public var idempotency: IdempotencyKey?

    public init(request: PaymentRequest, merchant: Merchant, idempotency: IdempotencyKey?) {
        self.request = request
        self.merchant = merchant
        self.idempotency = idempotency
    }
}

/// `POST /v1/payments/{id}/cancel`, parsed.
public struct CancelPaymentCommand: Sendable {
    public var paymentId: String
    public var merchant: Merchant
    public var idempotency: IdempotencyKey?

    public init(paymentId: String, merchant: Merchant, idempotency: IdempotencyKey?) {
        self.paymentId = paymentId
        self.merchant = merchant
        self.idempotency = idempotency
    }
}

/// `POST /v1/payments/{id}/capture`, parsed: all of the authorization, or `amount` of it.
public struct CapturePaymentCommand: Sendable {
    public var paymentId: String
    public var merchant: Merchant
    public var amount: Money?
    public var idempotency: IdempotencyKey?

    public init(paymentId: String, merchant: Merchant, amount: Money?, idempotency: IdempotencyKey?) {
        self.paymentId = paymentId
        self.merchant = merchant
        self.amount = amount
        self.idempotency = idempotency
    }
}

/// `POST /v1/payments/{id}/refunds`, parsed: all that is left, or `amount` of it.
public struct RefundPaymentCommand: Sendable {
    public var paymentId: String
    public var merchant: Merchant
    public var amount: Money?
    public var reason: String?
    public var bankAccount: BankAccount?
    public var idempotency: IdempotencyKey?

    public init(paymentId: String, merchant: Merchant, amount: Money?, reason: String?, bankAccount: BankAccount?, idempotency: IdempotencyKey?) {
        self.paymentId = paymentId
        self.merchant = merchant
        self.amount = amount
        self.reason = reason
        self.bankAccount = bankAccount
        self.idempotency = idempotency
    }
}

/// What a command with an idempotency key answers: what it did now, or the answer its key already holds (a retry, or
/// what a request that died left), to be sent back as stored.
public enum CommandAnswer<Value: Sendable>: Sendable {
    case done(Value)
    case replayed(StoredReply)
}

/// A reply kept for an idempotency key, byte for byte; rendered by the layer that answers requests (``ReplyRendering``).
/// Use cases hand it on and never read it.
public struct StoredReply: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    init(_ reply: IdempotencyReply) { self.init(status: reply.status, body: reply.body) }

    func keyed(_ key: String) -> IdempotencyReply { IdempotencyReply(key: key, status: status, body: body) }
}

/// How a payment answers a command: created, done now, or accepted for the PSP to confirm later.
public enum PaymentAnswer: Sendable {
    case created, done, accepted
}

/// Renders what a command answers, for its idempotency key: the same rendering the server answers with, so a replay is
/// the first answer byte for byte.
public protocol ReplyRendering: Sendable {
    func payment(_ stored: StoredPayment, _ answer: PaymentAnswer) -> StoredReply
    func refund(_ refund: Refund) -> StoredReply
    func refusal(_ error: CommandError) -> StoredReply
}
