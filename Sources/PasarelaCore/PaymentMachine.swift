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
            guard answer.outcome != .unknown, answer.outcome != .failed || answer.endedAtPSP else { return draft.unchanged(.nothingLearnt) }
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
        case .cancelDeclined(let reason):
            guard !payment.status.isTerminal, payment.pendingCancel != nil else { return draft.unchanged(.nothingLearnt) }
            draft.payment.pendingCancel = nil
            draft.events.append(.cancelFailed)
            draft.cancelFailure = reason
            draft.verdict = .recorded
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
        case .needsOperator(let reason):
            guard !payment.status.isTerminal else { return draft.unchanged(.wrongStatus(payment.status)) }
            draft.flag(reason)
        case .refundRequested(let refund):
            if let refusal = refundCheck(current, amount: refund.amount) { return draft.unchanged(.refundRefused(refusal)) }
            guard current.refund(refund.id) == nil else { return draft.unchanged(.unknownRefund(refund.id)) }
            draft.stored.refunds.append(refund)
            draft.announce(refund: refund.id, .pending)
        case .refundOutcome(let id, let outcome):
            guard current.refund(id) != nil else { return draft.unchanged(.unknownRefund(id)) }
            draft.settleRefund(id, outcome)
        case .captureRequested(let amount):
            if let refusal = captureCheck(current, amount: amount) { return draft.unchanged(.captureRefused(refusal)) }
            draft.payment.pendingCapture = amount
        case .captureAnswered(let outcome):
            guard payment.status == .authorized, let pending = payment.pendingCapture else {
                return draft.unchanged(.wrongStatus(payment.status))
            }
            switch outcome.result {
            case .captured: draft.capture(pending)
            case .pending, .unknown: return draft.unchanged(.nothingLearnt)
            case .refused: draft.payment.pendingCapture = nil
            }
        case .captureDeclined:
            guard payment.pendingCapture != nil else { return draft.unchanged(.nothingLearnt) }
            draft.payment.pendingCapture = nil
        case .duplicatesChecked(let id):
            guard current.attempt(id) != nil else { return draft.unchanged(.unknownAttempt(id)) }
            draft.update(id) { $0.needsDuplicateCheck = false }
        }
        if fact.announcesFirstState, draft.events.isEmpty, !draft.stored.payment.announced {
            draft.announce(draft.stored.payment.status)
        }
        return draft.decision()
    }

    /// Why a refund of `amount` cannot be made now, or `nil` when it can: the money must have moved, in the payment's
    /// currency, and refunds not failed may never add up to more than what was captured.
    public static func refundCheck(_ stored: StoredPayment, amount: Money) -> RefundRefusal? {
        let payment = stored.payment
        guard payment.status == .succeeded else { return .notRefundable(payment.status) }
        guard amount.currency == payment.request.amount.currency else {
            return .currencyMismatch(expected: payment.request.amount.currency.code, given: amount.currency.code)
        }
        let remaining = Money(minorUnits: stored.captured.minorUnits - stored.amountRefunded.minorUnits, currency: amount.currency)
        guard amount.minorUnits <= remaining.minorUnits else { return .exceedsRemaining(remaining: remaining) }
        return nil
    }

    /// Why a capture of `amount` cannot be made now, or `nil` when it can.
    public static func captureCheck(_ stored: StoredPayment, amount: Money) -> CaptureRefusal? {
        let payment = stored.payment
        guard payment.status == .authorized else { return .notAuthorized(payment.status) }
        guard payment.pendingCapture == nil else { return .alreadyPending }
        guard amount.currency == payment.request.amount.currency else {
            return .currencyMismatch(expected: payment.request.amount.currency.code, given: amount.currency.code)
        }
        guard amount.minorUnits <= payment.request.amount.minorUnits else { return .exceedsAuthorized(authorized: payment.request.amount) }
        return nil
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
