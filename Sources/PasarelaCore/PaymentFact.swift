/// Something that happened to a payment. Every path that changes a payment states what happened as a fact and lets
/// ``PaymentMachine/apply(_:to:now:)`` decide: the create path, webhooks, the reconciler and merchant commands.
public enum PaymentFact: Sendable, Equatable {
    /// The create path is about to call a PSP: the attempt joins the payment before the PSP hears of it.
    case attemptStarted(Attempt)
    /// A PSP answered a create attempt, or did not (`unknown`). `final` when no other connection will be tried after it.
    /// `checkDuplicates` when the create was replayed at a PSP that may hold a second payment under the same reference.
    case attemptAnswered(attemptId: String, answer: PSPOutcome, final: Bool, durationMs: Int? = nil, checkDuplicates: Bool = false)
    /// A status lookup (or an identical replay) found the payment at the PSP.
    case lookupFound(attemptId: String, answer: PSPOutcome, checkDuplicates: Bool = false)
    /// A status lookup found that the PSP has no payment under the attempt.
    case lookupNotFound(attemptId: String)
    /// A verified webhook event, matched to one of the payment's attempts.
    case pspEvent(attemptId: String, event: PSPEvent)
    /// No connection could be tried when the payment was attempted.
    case noConnectionAvailable
    /// Pasarela stopped before any PSP heard of the payment: no attempt was ever stored.
    case interruptedBeforePSP
    /// The reconciler asked the PSP its bounded number of times and learnt nothing.
    case reconcileGaveUp
    /// Pasarela is about to ask the PSP to cancel the payment, for this reason.
    case cancelRequested(CancelIntent)
    /// The cancel asked for did not happen (the PSP refused or did not answer).
    case cancelAbandoned
    /// The PSP confirmed the cancel or void the merchant asked for.
    case canceledByMerchant
    /// The PSP declined a cancel or void it had accepted, for this reason: the payment stays as it was.
    case cancelDeclined(reason: String)
    /// The voucher's `expires_at` passed and the PSP confirmed it unpaid (and canceled it there where it can).
    case voucherExpired
    /// The merchant asks for a refund: it joins the payment, pending, before the PSP hears of it.
    case refundRequested(Refund)
    /// A PSP's answer, lookup or notification about a refund.
    case refundOutcome(refundId: String, outcome: RefundOutcome)
    /// The merchant asks to capture this much of an authorized payment: recorded before the PSP hears of it.
    case captureRequested(Money)
    /// The PSP's answer to the capture asked for.
    case captureAnswered(CaptureOutcome)
    /// The PSP declined a capture it had accepted: the payment stays authorized.
    case captureDeclined
    /// The reconciler looked and learnt nothing new (no lookup offered, or the PSP did not answer).
    case noNews
    /// The outcome cannot be settled without a person, for this reason: the payment is flagged, its status stays.
    case needsOperator(ReviewReason)
    /// A duplicate check at the PSP is done: no further payment under the attempt's reference is left live.
    case duplicatesChecked(attemptId: String)

    /// Whether the fact may announce a payment nobody has been told of yet, even when its status stays the same: the
    /// create path's last word, and the reconciler's for a payment whose create never replied.
    var announcesFirstState: Bool {
        switch self {
        case .attemptAnswered(_, _, let final, _, _): final
        case .noConnectionAvailable, .lookupFound, .lookupNotFound, .reconcileGaveUp, .interruptedBeforePSP: true
        case .attemptStarted, .pspEvent, .cancelRequested, .cancelAbandoned, .canceledByMerchant, .voucherExpired, .duplicatesChecked, .noNews,
             .needsOperator,
             .refundRequested, .refundOutcome, .captureRequested, .captureAnswered, .captureDeclined,
             .cancelDeclined:
            false
        }
    }
}
