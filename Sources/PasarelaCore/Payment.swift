import Foundation

/// A payment as Pasarela stores it: the merchant's request plus where it stands. Only ``PaymentMachine`` decides how
/// it changes; the store writes its decisions by compare-and-set on ``version``.
public struct Payment: Sendable, Equatable {
    /// How long an unpaid voucher stays payable when the merchant does not say.
    public static let defaultExpiry: TimeInterval = 24 * 3600

    public var id: String
    public var merchantId: String
    public var livemode: Bool
    public var status: PaymentStatus
    public var request: PaymentRequest
    /// The connection that took the payment (the last attempt that reached a PSP).
    public var connection: String?
    public var pspPaymentId: String?
    public var nextAction: NextAction?
    /// When an unpaid voucher stops being payable.
    public var expiresAt: Date?
    /// The routing rule and config version the payment was routed with.
    public var rule: String?
    public var configVersion: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// Bumped by every write; a write names the version it read (compare-and-set).
    public var version: Int
    /// Whether an event has announced the payment to the merchant yet.
    public var announced: Bool
    /// Why the payment ended without money moving, for `failed`, `canceled` and `expired`.
    public var failure: PaymentFailure?
    /// The payer paid after Pasarela had ended the payment (expired voucher, unresolved outcome).
    public var latePayment: Bool
    /// Set when a PSP said something Pasarela would not apply on its own.
    public var review: ReviewReason?
    /// What was captured of a card payment captured for less than its amount; `nil` means all of it.
    public var amountCaptured: Money?
    /// A capture asked of the PSP and not confirmed yet.
    public var pendingCapture: Money?
    /// A cancel Pasarela asked the PSP for and the PSP has not confirmed yet: its confirmation (the answer, or the PSP's
    /// own notification that may arrive first) ends the payment for this reason.
    public var pendingCancel: CancelIntent?
    /// Until when the create path (or a merchant command) holds the payment: the reconciler leaves it alone meanwhile.
    public var leaseUntil: Date?
    /// The reconciler's looks at the payment since its last change, and when it looks next (`nil`: never, it is final).
    public var looks: Int
    public var nextLookAt: Date?
    /// When the payment succeeded (the money moved), for settlement checks.
    public var succeededAt: Date?

    public init(id: String, merchantId: String, livemode: Bool, status: PaymentStatus, request: PaymentRequest,
                connection: String? = nil, pspPaymentId: String? = nil, nextAction: NextAction? = nil,
                expiresAt: Date? = nil, rule: String? = nil, configVersion: String? = nil, createdAt: Date, updatedAt: Date,
                version: Int = 0, announced: Bool = false, failure: PaymentFailure? = nil, latePayment: Bool = false,
                review: ReviewReason? = nil, amountCaptured: Money? = nil, pendingCapture: Money? = nil, pendingCancel: CancelIntent? = nil, leaseUntil: Date? = nil, looks: Int = 0,
                nextLookAt: Date? = nil, succeededAt: Date? = nil) {
        self.id = id
        self.merchantId = merchantId
        self.livemode = livemode
        self.status = status
        self.request = request
        self.connection = connection
        self.pspPaymentId = pspPaymentId
        self.nextAction = nextAction
        self.expiresAt = expiresAt
        self.rule = rule
        self.configVersion = configVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
        self.announced = announced
        self.failure = failure
        self.latePayment = latePayment
        self.review = review
        self.amountCaptured = amountCaptured
        self.pendingCapture = pendingCapture
        self.pendingCancel = pendingCancel
        self.leaseUntil = leaseUntil
        self.looks = looks
        self.nextLookAt = nextLookAt
        self.succeededAt = succeededAt
    }
}

/// Why Pasarela asks a PSP to cancel a payment.
public enum CancelIntent: String, Sendable, Codable {
    /// The merchant canceled it.
    case merchant
    /// Its voucher passed `expires_at` unpaid.
    case expiry
}

/// What the payer must do next.
public enum NextAction: Sendable, Equatable, Codable {
    /// Show a voucher: pay `code` (a PagoEfectivo CIP, an OXXO reference) before `expiresAt`.
    case displayVoucher(code: String, barcode: String?, voucherURL: String?, expiresAt: Date?)
    /// Send the payer's browser to `url`.
    case redirect(url: String)

    /// The voucher's code, for a voucher.
    public var voucherCode: String? { if case .displayVoucher(let code, _, _, _) = self { code } else { nil } }
}

/// One try at one PSP.
public struct Attempt: Sendable, Equatable {
    public var id: String
    public var paymentId: String
    /// 1 for the first attempt, 2 for the first failover...
    public var sequence: Int
    public var connection: String
    public var pspPaymentId: String?
    public var outcome: AttemptOutcome
    /// The PSP's own status word (`PENDING`, `Authorized`), for operators.
    public var pspStatus: String?
    public var declineClass: DeclineClass?
    public var failureClass: FailureClass?
    public var errorCode: String?
    public var errorMessage: String?
    public var rule: String?
    public var configVersion: String?
    public var startedAt: Date
    public var durationMs: Int?
    /// The attempt was replayed after an ambiguous answer at a PSP that may not refuse the replay as a duplicate:
    /// the PSP may hold a second payment under the same reference, to be found and canceled.
    public var needsDuplicateCheck: Bool

    public init(id: String, paymentId: String, sequence: Int, connection: String, pspPaymentId: String? = nil,
                outcome: AttemptOutcome, pspStatus: String? = nil, declineClass: DeclineClass? = nil,
                failureClass: FailureClass? = nil, errorCode: String? = nil, errorMessage: String? = nil,
                rule: String? = nil, configVersion: String? = nil, startedAt: Date, durationMs: Int? = nil,
                needsDuplicateCheck: Bool = false) {
        self.id = id
        self.paymentId = paymentId
        self.sequence = sequence
        self.connection = connection
        self.pspPaymentId = pspPaymentId
        self.outcome = outcome
        self.pspStatus = pspStatus
        self.declineClass = declineClass
        self.failureClass = failureClass
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.rule = rule
        self.configVersion = configVersion
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.needsDuplicateCheck = needsDuplicateCheck
    }
}
