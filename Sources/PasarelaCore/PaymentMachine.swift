import Foundation

/// The one transition function of a payment: `(current state, fact) -> decision`. Pure: no clock but the `now` it is
/// given, no I/O. The store only writes its decisions, by compare-and-set on the payment's version; on a conflict the
/// caller re-reads and applies the same fact again, so the order facts arrive in never matters and no path can
/// regress a terminal state.
public enum PaymentMachine {
    /// Decides what `fact` does to `current`.
    /// - Parameters:
    ///   - fact: what happened.
    ///   - current: the payment and its attempts as last read.
    ///   - now: the instant of the decision (`updated_at`, expiry checks).
    public static func apply(_ fact: PaymentFact, to current: StoredPayment, now: Date) -> Decision {
        var draft = Draft(current, now: now)
        let payment = current.payment
        switch fact {
        case .attemptStarted(let attempt):
            guard payment.status == .processing else { return draft.unchanged(.wrongStatus(payment.status)) }
            guard attempt.paymentId == payment.id, current.attempt(attempt.id) == nil else {
                return draft.unchanged(.unknownAttempt(attempt.id))
            }
            draft.stored.attempts.append(attempt)
        case .attemptAnswered(let id, let answer, let final, let durationMs, let checkDuplicates):
            guard let attempt = current.attempt(id) else { return draft.unchanged(.unknownAttempt(id)) }
            draft.merge(answer, into: id, durationMs: durationMs)
            if checkDuplicates { draft.update(id) { $0.needsDuplicateCheck = true } }
            if final { draft.settle(answer, attempt: attempt) }
        case .lookupFound(let id, let answer, let checkDuplicates):
            guard let attempt = current.attempt(id) else { return draft.unchanged(.unknownAttempt(id)) }
            guard answer.outcome != .unknown, answer.outcome != .failed else { return draft.unchanged(.nothingLearnt) }
            draft.merge(answer, into: id, durationMs: nil)
            if checkDuplicates { draft.update(id) { $0.needsDuplicateCheck = true } }
            draft.settle(answer, attempt: attempt)
        case .lookupNotFound(let id):
            guard current.attempt(id) != nil else { return draft.unchanged(.unknownAttempt(id)) }
            guard payment.status == .processing, current.lastAttempt?.id == id else {
                return draft.unchanged(.wrongStatus(payment.status))
            }
            draft.merge(.notCreated(.rejected, code: nil, message: "the PSP has no payment under this attempt"), into: id, durationMs: nil)
            draft.end(.failed, because: .pspNeverReceived)
        case .pspEvent(let id, let event):
            guard let attempt = current.attempt(id) else { return draft.unchanged(.unknownAttempt(id)) }
            draft.report(event, attempt: attempt)
        case .noConnectionAvailable:
            guard payment.status == .processing else { return draft.unchanged(.wrongStatus(payment.status)) }
            draft.end(.failed, because: .noConnectionAvailable)
        case .interruptedBeforePSP:
            guard payment.status == .processing, current.attempts.isEmpty else { return draft.unchanged(.wrongStatus(payment.status)) }
            draft.end(.failed, because: .interruptedBeforePSP)
        case .reconcileGaveUp:
            guard payment.status == .processing else { return draft.unchanged(.wrongStatus(payment.status)) }
            draft.end(.failed, because: .unresolved)
        case .cancelRequested(let intent):
            guard [.requiresAction, .authorized].contains(payment.status) else { return draft.unchanged(.wrongStatus(payment.status)) }
            draft.payment.pendingCancel = intent
        case .cancelAbandoned:
            guard payment.pendingCancel != nil else { return draft.unchanged(.nothingLearnt) }
            draft.payment.pendingCancel = nil
        case .canceledByMerchant:
            guard [.requiresAction, .authorized, .processing].contains(payment.status) else {
                return draft.unchanged(.wrongStatus(payment.status))
            }
            draft.end(.canceled, because: .canceledByMerchant)
        case .voucherExpired:
            guard payment.status == .requiresAction else { return draft.unchanged(.wrongStatus(payment.status)) }
            guard let expiry = payment.expiresAt, expiry <= now || payment.pendingCancel == .expiry else {
                return draft.unchanged(.notYetExpired)
            }
            draft.end(.expired, because: .voucherExpired)
        case .noNews:
            return draft.unchanged(.nothingLearnt)
        case .duplicatesChecked(let id):
            guard current.attempt(id) != nil else { return draft.unchanged(.unknownAttempt(id)) }
            draft.update(id) { $0.needsDuplicateCheck = false }
        }
        if fact.announcesFirstState, draft.events.isEmpty, !draft.stored.payment.announced {
            draft.announce(draft.stored.payment.status)
        }
        return draft.decision()
    }

    /// Whether a merchant may cancel the payment now, and if not, why.
    public static func cancellation(of stored: StoredPayment) -> CancelCheck {
        let payment = stored.payment
        switch payment.status {
        case .requiresAction, .authorized:
            guard let attempt = stored.lastAttempt, attempt.pspPaymentId != nil else { return .refused(.noPSPPayment) }
            return .allowed(attempt)
        case .processing: return .refused(.outcomeUnknown)
        case .succeeded: return .refused(.alreadySucceeded)
        case .failed, .canceled, .expired: return .refused(.alreadyEnded(payment.status))
        }
    }
}

/// Whether a cancel may go to the PSP.
public enum CancelCheck: Sendable, Equatable {
    /// Cancel this attempt's payment at its PSP.
    case allowed(Attempt)
    case refused(CancelRefusal)
}

/// Why a payment cannot be canceled.
public enum CancelRefusal: Sendable, Equatable {
    case alreadySucceeded
    case alreadyEnded(PaymentStatus)
    /// The PSP's outcome is not known yet; the reconciler settles it first.
    case outcomeUnknown
    /// No PSP holds a payment to cancel.
    case noPSPPayment
    /// The connection's PSP offers no cancel or void for this payment.
    case unsupported(connection: String)
}
