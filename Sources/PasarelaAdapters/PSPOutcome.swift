import Foundation
import PasarelaCore

/// A PSP's answer, classified. Adapters produce it from bytes; the gateway decides what to do with it.
public struct PSPOutcome: Sendable, Equatable {
    public var outcome: AttemptOutcome
    /// The unified status the PSP's status maps to, when the PSP gave one.
    public var status: PaymentStatus?
    public var pspPaymentId: String?
    public var pspStatus: String?
    public var nextAction: NextAction?
    public var expiresAt: Date?
    public var declineClass: DeclineClass?
    public var failureClass: FailureClass?
    public var errorCode: String?
    public var errorMessage: String?
    /// For lookups: the PSP says it has no such payment.
    public var notFound: Bool

    public init(outcome: AttemptOutcome, status: PaymentStatus? = nil, pspPaymentId: String? = nil, pspStatus: String? = nil,
                nextAction: NextAction? = nil, expiresAt: Date? = nil, declineClass: DeclineClass? = nil,
                failureClass: FailureClass? = nil, errorCode: String? = nil, errorMessage: String? = nil, notFound: Bool = false) {
        self.outcome = outcome
        self.status = status
        self.pspPaymentId = pspPaymentId
        self.pspStatus = pspStatus
        self.nextAction = nextAction
        self.expiresAt = expiresAt
        self.declineClass = declineClass
        self.failureClass = failureClass
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.notFound = notFound
    }

    /// The PSP definitely did not create a payment.
    public static func notCreated(_ failure: FailureClass, code: String?, message: String) -> PSPOutcome {
        PSPOutcome(outcome: .failed, failureClass: failure, errorCode: code, errorMessage: message)
    }

    /// The PSP may or may not have created a payment.
    public static func ambiguous(code: String?, message: String) -> PSPOutcome {
        PSPOutcome(outcome: .unknown, status: .processing, errorCode: code, errorMessage: message)
    }
}

