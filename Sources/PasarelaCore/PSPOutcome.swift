import Foundation

/// A PSP's answer to a create, lookup or cancel call, classified. Adapters produce it from bytes; the payment machine
/// decides what it means for the payment.
public struct PSPOutcome: Sendable, Equatable {
    public var outcome: AttemptOutcome
    /// The unified status the PSP's status maps to, when the PSP gave one.
    public var status: PaymentStatus?
    public var pspPaymentId: String?
    public var pspStatus: String?
    public var nextAction: NextAction?
    public var expiresAt: Date?
    /// The amount the PSP states, checked against the payment's.
    public var amount: ReportedAmount
    public var declineClass: DeclineClass?
    public var failureClass: FailureClass?
    public var errorCode: String?
    public var errorMessage: String?
    /// The PSP refused the create as a repeat of one it already holds under the same reference (dLocal's 5009 for an
    /// `order_id` it has, a generic file's `duplicate`): the payment exists there and is to be looked up, never
    /// taken for "not created".
    public var alreadyHeld = false

    public init(outcome: AttemptOutcome, status: PaymentStatus? = nil, pspPaymentId: String? = nil, pspStatus: String? = nil,
                nextAction: NextAction? = nil, expiresAt: Date? = nil, amount: ReportedAmount = .absent,
                declineClass: DeclineClass? = nil, failureClass: FailureClass? = nil, errorCode: String? = nil,
                errorMessage: String? = nil) {
        self.outcome = outcome
        self.status = status
        self.pspPaymentId = pspPaymentId
        self.pspStatus = pspStatus
        self.nextAction = nextAction
        self.expiresAt = expiresAt
        self.amount = amount
        self.declineClass = declineClass
        self.failureClass = failureClass
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }

    /// The PSP definitely did not create a payment.
    public static func notCreated(_ failure: FailureClass, code: String?, message: String) -> PSPOutcome {
        PSPOutcome(outcome: .failed, failureClass: failure, errorCode: code, errorMessage: message)
    }

    /// The PSP holds the payment and states that it ended without money moving (canceled, expired): not "not created".
    public var endedAtPSP: Bool { outcome == .failed && (status == .canceled || status == .expired) }

    /// The PSP already holds a payment under this create's reference: it refused the repeat.
    public static func alreadyHeld(code: String?, message: String) -> PSPOutcome {
        var outcome = PSPOutcome.ambiguous(code: code, message: message)
        outcome.alreadyHeld = true
        return outcome
    }

    /// The PSP may or may not have created a payment.
    public static func ambiguous(code: String?, message: String, failure: FailureClass? = nil) -> PSPOutcome {
        PSPOutcome(outcome: .unknown, status: .processing, failureClass: failure, errorCode: code, errorMessage: message)
    }
}
