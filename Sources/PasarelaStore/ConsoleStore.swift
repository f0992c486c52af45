import Foundation
import PasarelaCore

/// The console's people: operators (made by `pasarela operators`), their sessions and the audit log of what they did.
/// Promises: one operator per name; a session is found only by the digest of its token and only before it expires; the
/// audit log is appended to, never rewritten.
public protocol OperatorStore: Sendable {
    /// - Returns: `false` when an operator with that name exists.
    func addOperator(_ record: OperatorRecord) async throws -> Bool
    func operators() async throws -> [OperatorRecord]
    func operatorNamed(_ name: String) async throws -> OperatorRecord?
    /// Disables (or enables) an operator; disabling also ends every session of theirs.
    /// - Returns: `false` for an unknown operator.
    func setOperatorDisabled(_ name: String, _ disabled: Bool) async throws -> Bool

    func addSession(_ session: SessionRecord) async throws
    /// The session with this token digest, with its operator, when it has not expired at `now`.
    func session(digest: String, now: Date) async throws -> (SessionRecord, OperatorRecord)?
    func endSession(digest: String) async throws

    func appendAudit(_ entry: AuditEntry) async throws
    /// The newest entries first.
    func audit(limit: Int) async throws -> [AuditEntry]
}

public struct OperatorRecord: Sendable, Equatable {
    public var name: String
    /// The KDF's encoded hash (`scrypt$N$r$p$salt$hash`).
    public var passwordHash: String
    /// `viewer` or `editor`.
    public var role: String
    public var disabled: Bool
    public var createdAt: Date

    public init(name: String, passwordHash: String, role: String, disabled: Bool = false, createdAt: Date) {
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
        self.disabled = disabled
        self.createdAt = createdAt
    }
}

public struct SessionRecord: Sendable, Equatable {
    /// SHA-256 of the cookie's token, hex: the token itself is never stored.
    public var digest: String
    public var operatorName: String
    /// The session's CSRF token, sent back with every form and state-changing call.
    public var csrf: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(digest: String, operatorName: String, csrf: String, createdAt: Date, expiresAt: Date) {
        self.digest = digest
        self.operatorName = operatorName
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

public struct AuditEntry: Sendable, Equatable {
    public var at: Date
    public var operatorName: String
    /// What was done: `login`, `logout`, `rules.save`, `payment.cancel`, `payment.capture`, `payment.refund`,
    /// `event.redeliver`, `login.refused`.
    public var action: String
    /// What it was done to: a payment id, an event id, `routes.yaml`.
    public var subject: String
    /// The rest: a saved diff, an amount, a refusal's reason.
    public var detail: String

    public init(at: Date, operatorName: String, action: String, subject: String, detail: String) {
        self.at = at
        self.operatorName = operatorName
        self.action = action
        self.subject = subject
        self.detail = detail
    }
}

/// What the console reads across merchants: payments searched by what an operator knows, a payment's timeline, the
/// attempts of a time window (connection health) and the payments of a period (routing what-if).
public protocol ConsoleQueries: Sendable {
    /// Newest first; `startingAfter` is the last payment id of the previous page.
    func searchPayments(_ search: PaymentSearch) async throws -> [StoredPayment]
    /// The payment's events with their notifications and tries, and the webhooks recorded for it, oldest first.
    func timeline(paymentId: String) async throws -> PaymentTimelineRecords
    /// Attempts started in `[since, until)`, oldest first, at most `limit` (the newest kept when there are more).
    func attempts(since: Date, until: Date, limit: Int) async throws -> [Attempt]
    /// The payments created in `[since, until)`, as routing and what-if read them (the request, where it went, its
    /// attempts' outcomes), oldest first, `limit` at a time after `after`.
    func history(since: Date, until: Date, after: String?, limit: Int) async throws -> [HistoricalPayment]
}

public struct PaymentSearch: Sendable, Equatable {
    public var paymentId: String?
    public var orderId: String?
    public var status: PaymentStatus?
    public var connection: String?
    public var method: PaymentMethodType?
    public var createdFrom: Date?
    public var createdBefore: Date?
    public var startingAfter: String?
    public var limit: Int

    public init(paymentId: String? = nil, orderId: String? = nil, status: PaymentStatus? = nil, connection: String? = nil,
                method: PaymentMethodType? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil, startingAfter: String? = nil,
                limit: Int = 50) {
        self.paymentId = paymentId
        self.orderId = orderId
        self.status = status
        self.connection = connection
        self.method = method
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.startingAfter = startingAfter
        self.limit = limit
    }
}

/// What the store keeps of a payment's life besides the payment itself.
public struct PaymentTimelineRecords: Sendable {
    public var events: [(StoredEvent, NotificationState?)]
    public var webhooks: [ReceivedWebhook]

    public init(events: [(StoredEvent, NotificationState?)], webhooks: [ReceivedWebhook]) {
        self.events = events
        self.webhooks = webhooks
    }
}

/// A webhook recorded for a payment: verified (only verified ones are recorded), what it said, what it did.
public struct ReceivedWebhook: Sendable, Equatable {
    public var connection: String
    public var pspStatus: String
    /// `applied`, `stale`, `ignored`, … as the inbox recorded it.
    public var result: String
    public var reason: String?
    public var duplicates: Int
    public var receivedAt: Date

    public init(connection: String, pspStatus: String, result: String, reason: String?, duplicates: Int, receivedAt: Date) {
        self.connection = connection
        self.pspStatus = pspStatus
        self.result = result
        self.reason = reason
        self.duplicates = duplicates
        self.receivedAt = receivedAt
    }
}

/// A stored payment as routing what-if reads it: what was asked, where it went, how each attempt ended.
public struct HistoricalPayment: Sendable, Equatable {
    public var id: String
    public var merchantId: String
    public var livemode: Bool
    public var request: PaymentRequest
    /// The connection that holds it, if any took it.
    public var connection: String?
    /// The rule that routed it.
    public var rule: String?
    public var createdAt: Date
    /// In the order they were made.
    public var attempts: [HistoricalAttempt]

    public init(id: String, merchantId: String, livemode: Bool, request: PaymentRequest, connection: String?, rule: String?,
                createdAt: Date, attempts: [HistoricalAttempt]) {
        self.id = id
        self.merchantId = merchantId
        self.livemode = livemode
        self.request = request
        self.connection = connection
        self.rule = rule
        self.createdAt = createdAt
        self.attempts = attempts
    }
}

public struct HistoricalAttempt: Sendable, Equatable {
    public var connection: String
    public var outcome: AttemptOutcome
    public var declineClass: DeclineClass?
    public var durationMs: Int?

    public init(connection: String, outcome: AttemptOutcome, declineClass: DeclineClass?, durationMs: Int?) {
        self.connection = connection
        self.outcome = outcome
        self.declineClass = declineClass
        self.durationMs = durationMs
    }
}
