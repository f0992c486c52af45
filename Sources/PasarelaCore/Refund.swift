import Foundation

/// Money given back to the payer, part of the payment it refunds (a payment and its refunds change together).
public struct Refund: Sendable, Equatable {
    public var id: String
    public var paymentId: String
    public var amount: Money
    public var status: RefundStatus
    public var reason: String?
    /// The connection that took the payment, through which the refund goes.
    public var connection: String
    /// The PSP's id for the refund (dLocal's refund id, Checkout's action id).
    public var pspRefundId: String?
    /// The PSP's own status word, for operators.
    public var pspStatus: String?
    public var errorCode: String?
    public var errorMessage: String?
    /// Where a cash or bank transfer payer receives the money, when the PSP needs it.
    public var bankAccount: BankAccount?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, paymentId: String, amount: Money, status: RefundStatus = .pending, reason: String? = nil, connection: String,
                pspRefundId: String? = nil, pspStatus: String? = nil, errorCode: String? = nil, errorMessage: String? = nil,
                bankAccount: BankAccount? = nil, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.paymentId = paymentId
        self.amount = amount
        self.status = status
        self.reason = reason
        self.connection = connection
        self.pspRefundId = pspRefundId
        self.pspStatus = pspStatus
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.bankAccount = bankAccount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Where a refund stands. `succeeded` and `failed` are final.
public enum RefundStatus: String, Sendable, Codable, CaseIterable {
    case pending, succeeded, failed

    public var isFinal: Bool { self != .pending }
}

/// The payer's bank account, for refunds of cash and bank transfer payments (dLocal asks for it).
public struct BankAccount: Sendable, Equatable, Codable {
    public var beneficiaryName: String
    public var bank: String
    public var number: String
    /// `checking`, `savings` or `interbank`.
    public var type: String
    public var branch: String?

    public init(beneficiaryName: String, bank: String, number: String, type: String, branch: String? = nil) {
        self.beneficiaryName = beneficiaryName
        self.bank = bank
        self.number = number
        self.type = type
        self.branch = branch
    }
}

/// A PSP's answer about a refund.
public struct RefundOutcome: Sendable, Equatable {
    public enum Result: String, Sendable {
        case succeeded
        /// Accepted; the PSP confirms later.
        case pending
        /// The PSP refused it: nothing was refunded.
        case failed
        /// No usable answer: it may or may not be under way.
        case unknown
    }

    public var result: Result
    public var pspRefundId: String?
    public var pspStatus: String?
    public var amount: ReportedAmount
    public var errorCode: String?
    public var errorMessage: String?

    public init(result: Result, pspRefundId: String? = nil, pspStatus: String? = nil, amount: ReportedAmount = .absent,
                errorCode: String? = nil, errorMessage: String? = nil) {
        self.result = result
        self.pspRefundId = pspRefundId
        self.pspStatus = pspStatus
        self.amount = amount
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// A refund's status a PSP reported in a verified webhook.
public struct RefundEvent: Sendable, Equatable {
    /// The PSP's id of the payment refunded.
    public var pspPaymentId: String?
    public var pspRefundId: String?
    /// Our refund id as the PSP echoes it.
    public var reference: String?
    public var outcome: RefundOutcome
    public var dedupeKey: String

    public init(pspPaymentId: String?, pspRefundId: String?, reference: String?, outcome: RefundOutcome, dedupeKey: String) {
        self.pspPaymentId = pspPaymentId
        self.pspRefundId = pspRefundId
        self.reference = reference
        self.outcome = outcome
        self.dedupeKey = dedupeKey
    }
}

/// Why a refund cannot be made.
public enum RefundRefusal: Sendable, Equatable {
    /// Only a payment whose money moved can be refunded.
    case notRefundable(PaymentStatus)
    case currencyMismatch(expected: String, given: String)
    /// More than what is left to refund.
    case exceedsRemaining(remaining: Money)
    /// The connection's PSP offers no refunds.
    case unsupported(connection: String)
}

/// How a card payment's funds are captured.
public enum CaptureMethod: String, Sendable, Codable {
    /// With the payment.
    case automatic
    /// Held (`authorized`) until `POST /v1/payments/{id}/capture`.
    case manual
}

/// A PSP's answer to a capture.
public struct CaptureOutcome: Sendable, Equatable {
    public enum Result: String, Sendable {
        case captured
        /// Accepted; the PSP confirms later (Checkout answers 202, then `payment_captured`).
        case pending
        /// The PSP refused it: nothing was captured.
        case refused
        /// No usable answer.
        case unknown
    }

    public var result: Result
    public var pspStatus: String?
    public var errorCode: String?
    public var errorMessage: String?

    public init(result: Result, pspStatus: String? = nil, errorCode: String? = nil, errorMessage: String? = nil) {
        self.result = result
        self.pspStatus = pspStatus
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// Why a capture cannot be made.
public enum CaptureRefusal: Sendable, Equatable {
    /// Only an authorized payment can be captured.
    case notAuthorized(PaymentStatus)
    case alreadyPending
    case exceedsAuthorized(authorized: Money)
    case currencyMismatch(expected: String, given: String)
    case unsupported(connection: String)
}

/// What a verified webhook tells.
public enum PSPNotification: Sendable, Equatable {
    /// A payment's status.
    case payment(PSPEvent)
    /// A refund's status.
    case refund(RefundEvent)
    /// A capture the PSP accepted was declined after all: the payment stays authorized.
    case captureDeclined(pspPaymentId: String, reference: String?, dedupeKey: String)
    /// A cancel or void the PSP accepted was declined after all (Checkout's `payment_void_declined`): the payment stays
    /// as it was, for this reason.
    case cancelDeclined(pspPaymentId: String, reference: String?, reason: String, dedupeKey: String)

    public var dedupeKey: String {
        switch self {
        case .payment(let event): event.dedupeKey
        case .refund(let event): event.dedupeKey
        case .captureDeclined(_, _, let key): key
        case .cancelDeclined(_, _, _, let key): key
        }
    }
}

extension PSPNotification {
    /// The payment event, when the notification is one.
    public var paymentEvent: PSPEvent? { if case .payment(let event) = self { event } else { nil } }
    /// The refund event, when the notification is one.
    public var refundEvent: RefundEvent? { if case .refund(let event) = self { event } else { nil } }
}
