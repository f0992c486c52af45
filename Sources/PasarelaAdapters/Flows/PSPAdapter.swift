import Foundation
import PasarelaCore

/// One PSP protocol, as a set of flows the way Hyperswitch splits its connector integrations: every PSP creates
/// payments and posts webhooks; the other flows (lookup, cancel/void, token, and later capture and refunds) are
/// separate protocols a PSP opts into, so a PSP without one simply offers `nil` and the gateway says so.
/// Every requirement is a pure function: no I/O, no clock, no store.
public protocol PSPAdapter: CreateFlow, WebhookFlow {
    /// The `kind` in `adapters/NAME.yaml` that selects this adapter.
    var kind: String { get }

    /// Whether this adapter can carry the request at all (method, country, currency it knows).
    /// - Returns: `nil` when supported, else the reason.
    func unsupportedReason(_ request: PaymentRequest) -> String?

    /// Asks the PSP for a payment's state, when the PSP offers it.
    var lookup: (any LookupFlow)? { get }
    /// Cancels a voucher or voids an authorization at the PSP, when the PSP offers it.
    var cancel: (any CancelFlow)? { get }
    /// Exchanges credentials for an access token before other calls, for PSPs that issue them.
    var token: (any TokenFlow)? { get }
    /// Captures an authorized card payment, when the PSP offers it.
    var capture: (any CaptureFlow)? { get }
    /// Refunds a paid payment, when the PSP offers it.
    var refund: (any RefundFlow)? { get }
    /// Asks the PSP where a refund stands, when the PSP offers it.
    var refundLookup: (any RefundLookupFlow)? { get }
    /// How the PSP's settlement report is laid out, when Pasarela can read it (`pasarela settle`).
    var settlement: SettlementLayout? { get }
    /// What an answer says about this connection's own configuration when it says it is wrong (credentials refused,
    /// an IP not registered): raised as an alert on the connection, with the fix in words.
    func misconfiguration(_ response: InboundMessage) -> Misconfiguration?
}

/// A connection's configuration, as a PSP's answer shows it to be wrong.
public struct Misconfiguration: Sendable, Equatable {
    /// `credentials`, `ip_not_registered`, `api_not_enabled`, `api_version`, `webhook_signatures`.
    public var kind: String
    /// What is wrong and how to fix it, in words an operator acts on.
    public var fix: String

    public init(kind: String, fix: String) {
        self.kind = kind
        self.fix = fix
    }
}

extension PSPAdapter {
    public var lookup: (any LookupFlow)? { nil }
    public var cancel: (any CancelFlow)? { nil }
    public var token: (any TokenFlow)? { nil }
    public var capture: (any CaptureFlow)? { nil }
    public var refund: (any RefundFlow)? { nil }
    public var refundLookup: (any RefundLookupFlow)? { nil }
    public var settlement: SettlementLayout? { nil }
    public func misconfiguration(_ response: InboundMessage) -> Misconfiguration? { nil }

    /// How a create whose answer was lost is settled at this PSP: what the adapter declares, read by the gateway.
    public var recovery: CreateRecovery { CreateRecovery(findsByReference: lookup?.findsByReference == true, replay: replay) }

    /// The flows this adapter offers, by name, for operators (`GET /v1/connections`).
    public var flowNames: [String] {
        let optional: [(String, Bool)] = [("lookup", lookup != nil), ("cancel", cancel != nil), ("capture", capture != nil),
                                          ("refund", refund != nil), ("refund_lookup", refundLookup != nil), ("token", token != nil),
                                          ("settlement", settlement != nil)]
        return ["create", "webhook"] + optional.filter(\.1).map(\.0)
    }
}

/// Creating a payment: the one flow every PSP has.
public protocol CreateFlow: Sendable {
    /// What this PSP does with the same create sent again unchanged: with a lookup by reference, how a create whose
    /// answer was lost is settled here (``CreateRecovery``). Every adapter says; nothing is assumed.
    var replay: CreateReplay { get }

    /// Builds the signed create-payment request.
    func buildCreate(_ input: CreateInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest

    /// Classifies the PSP's answer to a create request.
    func parseCreate(_ response: InboundMessage, input: CreateInput) -> PSPOutcome
}

/// Reading a PSP's webhooks.
public protocol WebhookFlow: Sendable {
    /// Verifies a webhook over its raw bytes and turns it into what it tells (payment and refund statuses).
    /// - Throws: ``WebhookError/unauthenticated(_:)`` for a missing or wrong signature,
    ///   ``WebhookError/malformed(_:)`` for a genuine body that is not the PSP's shape.
    func parseWebhook(_ message: InboundMessage, context: AdapterContext) throws(WebhookError) -> [PSPNotification]

    /// When a verified webhook says it was signed (dLocal's `X-Date`, a body time a generic file names), for the
    /// freshness window: a replay of an old notification is refused even with a genuine signature.
    func signedAt(_ message: InboundMessage) -> SignedTime
}

/// The time a webhook's signature covers.
public enum SignedTime: Sendable, Equatable {
    /// The PSP signs no time (Checkout: its `evt_` id dedupes replays).
    case absent
    case at(Date)
    /// A time is there but cannot be read: refused like a stale one.
    case unreadable(String)
}

extension WebhookFlow {
    public func signedAt(_ message: InboundMessage) -> SignedTime { .absent }
}

/// What a PSP does with a create sent again unchanged (same reference, same idempotency key).
public enum CreateReplay: String, Sendable, CaseIterable {
    /// It answers with the payment the first create made: an idempotency key it honours (Checkout's `Cko-Idempotency-Key`).
    case answersOriginal = "answers_original"
    /// It refuses the repeat because it holds a payment under the reference (dLocal's 5009 for an `order_id` it has):
    /// safe to send, and a refusal means "look it up".
    case refusedAsDuplicate = "refused_as_duplicate"
    /// It may make a second payment under the reference: sent only where payments are found by reference, so that the
    /// extra one is found and canceled.
    case mayCreateAnother = "may_create_another"
    /// It is never sent again: it could charge twice.
    case never
}

/// How a create whose answer was lost (no answer, a timeout after sending, an unreadable answer) is settled at its PSP,
/// from what the adapter declares: find the payment by Pasarela's reference, and send the create again only where that
/// is safe. A connection that can do neither cannot be asked; its payments go to an operator at once.
public struct CreateRecovery: Sendable, Equatable {
    /// Whether the PSP finds payments by Pasarela's reference (the attempt id).
    public var findsByReference: Bool
    public var replay: CreateReplay

    public init(findsByReference: Bool, replay: CreateReplay) {
        self.findsByReference = findsByReference
        self.replay = replay
    }

    /// Whether the same create may be sent again when the PSP cannot be found to hold it: only where the PSP answers or
    /// refuses a repeat, or where a second payment it makes can be found by reference and canceled.
    public var mayReplay: Bool {
        switch replay {
        case .answersOriginal, .refusedAsDuplicate: true
        case .mayCreateAnother: findsByReference
        case .never: false
        }
    }

    /// Why the PSP cannot tell whether it holds a payment whose create answer was lost, or `nil` when it can: it finds
    /// payments by reference, or answers a replay with the payment it holds.
    public var unresolvable: String? {
        guard !findsByReference, replay != .answersOriginal else { return nil }
        return "it finds no payment by Pasarela's reference (no lookup by reference) and does not answer a repeated create with the payment it holds (replay: \(replay.rawValue))"
    }

    /// For operators: how a lost answer is settled here.
    public var summary: String {
        switch (findsByReference, mayReplay) {
        case (true, true): "looked up by reference, else the same create sent again (\(replay.rawValue))"
        case (true, false): "looked up by reference"
        case (false, _) where replay == .answersOriginal: "the same create sent again, answered with the payment held"
        case (false, true): "the same create sent again once (\(replay.rawValue)); if refused, an operator decides"
        case (false, false): "cannot be asked: an operator decides"
        }
    }
}

/// Asking a PSP what became of a payment.
public protocol LookupFlow: Sendable {
    /// Whether the PSP can find payments by Pasarela's reference (the attempt id) when its own id was never learnt.
    var findsByReference: Bool { get }

    /// Builds the signed lookup; throws ``AdapterError/unsupported(_:)`` for a key the PSP cannot look up by.
    func buildLookup(_ key: LookupKey, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest

    /// Reads the PSP's answer to a lookup.
    func parseLookup(_ response: InboundMessage, key: LookupKey) -> LookupAnswer
}

/// What a lookup asks for.
public enum LookupKey: Sendable, Equatable {
    /// The PSP's own payment id.
    case pspPaymentId(String)
    /// Pasarela's reference sent with the create (the attempt id).
    case reference(String)
}

/// A PSP's answer to a lookup.
public enum LookupAnswer: Sendable, Equatable {
    /// The PSP holds these payments under the key: one for an id, possibly more for a reference.
    case found([PSPOutcome])
    /// The PSP holds a payment under the reference and names it; its state is read by a lookup by that id (dLocal's
    /// order object names the payment, whose own object carries the voucher).
    case identified(pspPaymentId: String)
    /// The PSP has no payment under the key.
    case notFound
    /// Nothing was learnt (an error, an unreadable answer); the outcome says why.
    case failed(PSPOutcome)

    /// The answer for one payment read as an outcome: found when the PSP stated its status (an ended one too:
    /// canceled, expired), else nothing learnt.
    public static func single(_ outcome: PSPOutcome) -> LookupAnswer {
        switch outcome.outcome {
        case .succeeded, .pending, .declined: .found([outcome])
        case .failed: outcome.endedAtPSP ? .found([outcome]) : .failed(outcome)
        case .unknown: .failed(outcome)
        }
    }
}

/// Canceling an unpaid voucher or voiding an uncaptured authorization at the PSP.
public protocol CancelFlow: Sendable {
    /// Whether the PSP can cancel a payment of this method in this status.
    func cancels(_ method: PaymentMethodType, status: PaymentStatus) -> Bool

    /// Builds the signed cancel or void.
    func buildCancel(_ target: CancelTarget, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest

    /// Reads the PSP's answer to a cancel.
    func parseCancel(_ response: InboundMessage) -> CancelAnswer
}

/// The PSP payment to cancel.
public struct CancelTarget: Sendable, Equatable {
    public var pspPaymentId: String
    /// Our attempt id: the reference and, where the PSP takes one, the base of the idempotency key.
    public var attemptId: String
    public init(pspPaymentId: String, attemptId: String) {
        self.pspPaymentId = pspPaymentId
        self.attemptId = attemptId
    }
}

/// A PSP's answer to a cancel.
public enum CancelAnswer: Sendable, Equatable {
    /// The PSP canceled it (or had already).
    case canceled
    /// The PSP took the request and confirms it later (Checkout's void: 202, then `payment_voided` or
    /// `payment_void_declined`): asked, not done.
    case accepted
    /// The PSP refuses: the payment cannot be canceled (paid already, not found).
    case refused(code: String?, message: String)
    /// No definite answer (5xx, timeout, unreadable): asking again is safe.
    case failed(code: String?, message: String)
}

/// Capturing an authorized card payment, in full or in part.
public protocol CaptureFlow: Sendable {
    func buildCapture(_ input: CaptureInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest
    func parseCapture(_ response: InboundMessage, input: CaptureInput) -> CaptureOutcome
}

/// One capture's inputs.
public struct CaptureInput: Sendable, Equatable {
    public var paymentId: String
    public var pspPaymentId: String
    /// The attempt that took the payment (its reference at the PSP).
    public var attemptId: String
    public var amount: Money
    /// Whether `amount` is all of the authorization.
    public var full: Bool
    /// Our id for this capture, unique per capture request: the PSP's idempotency key and the capture's reference.
    public var captureId: String
    public var now: Date

    public init(paymentId: String, pspPaymentId: String, attemptId: String, amount: Money, full: Bool, captureId: String, now: Date) {
        self.paymentId = paymentId
        self.pspPaymentId = pspPaymentId
        self.attemptId = attemptId
        self.amount = amount
        self.full = full
        self.captureId = captureId
        self.now = now
    }
}

/// Refunding a paid payment, in full or in part.
public protocol RefundFlow: Sendable {
    func buildRefund(_ input: RefundInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest
    func parseRefund(_ response: InboundMessage, input: RefundInput) -> RefundOutcome
}

/// One refund's inputs.
public struct RefundInput: Sendable, Equatable {
    public var refund: Refund
    public var pspPaymentId: String
    public var method: PaymentMethodType
    /// Whether the refund gives back all that was captured.
    public var full: Bool
    public var now: Date

    public init(refund: Refund, pspPaymentId: String, method: PaymentMethodType, full: Bool, now: Date) {
        self.refund = refund
        self.pspPaymentId = pspPaymentId
        self.method = method
        self.full = full
        self.now = now
    }
}

/// Asking a PSP where a refund stands.
public protocol RefundLookupFlow: Sendable {
    func buildRefundLookup(_ target: RefundTarget, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest
    func parseRefundLookup(_ response: InboundMessage, target: RefundTarget) -> RefundOutcome
}

/// The refund to look up.
public struct RefundTarget: Sendable, Equatable {
    public var refundId: String
    public var pspRefundId: String?
    public var pspPaymentId: String

    public init(refundId: String, pspRefundId: String?, pspPaymentId: String) {
        self.refundId = refundId
        self.pspRefundId = pspRefundId
        self.pspPaymentId = pspPaymentId
    }
}

/// Getting an access token before other calls.
public protocol TokenFlow: Sendable {
    /// The token request to send.
    func buildTokenRequest(now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest

    /// Reads the token from the answer to ``buildTokenRequest(now:context:)``.
    func parseTokenResponse(_ response: InboundMessage, now: Date) throws(AdapterError) -> AccessToken

    /// How long before its expiry a cached token is replaced.
    var refreshMargin: TimeInterval { get }
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
