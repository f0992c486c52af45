/// What ``PaymentMachine`` decided for one fact: the payment after it, the attempts it changed, and the events that
/// announce each status reached, in order.
public struct Decision: Sendable, Equatable {
    public var verdict: Verdict
    /// The payment and its attempts after the fact (the same as before when nothing changed).
    public var stored: StoredPayment
    /// The attempts this decision adds or changes.
    public var changedAttempts: [Attempt]
    /// One event per status reached, in order.
    public var events: [StatusEventType]
    /// Whether the payment row changed (and must be written by compare-and-set).
    public var changesPayment: Bool
    /// The refunds this decision adds or changes.
    public var changedRefunds: [Refund] = []
    /// One event per refund status reached, in order.
    public var refundEvents: [RefundAnnouncement] = []
    /// Why a cancel the PSP had accepted was declined, announced with `payment.cancel_failed`.
    public var cancelFailure: String?

    /// Whether anything must be written.
    public var writes: Bool { changesPayment || !changedAttempts.isEmpty || !changedRefunds.isEmpty }
    public var payment: Payment { stored.payment }
}

/// An event announcing a refund's status.
public struct RefundAnnouncement: Sendable, Equatable {
    public var type: StatusEventType
    public var refundId: String
}

/// The machine's verdict on a fact.
public enum Verdict: Sendable, Equatable {
    /// The status moved.
    case applied(PaymentStatus)
    /// The status stayed; what the payment knows of its PSP may have grown (an id, a voucher, an attempt's outcome).
    case recorded
    /// Flagged for an operator; the status stayed.
    case flagged(ReviewReason)
    /// Nothing changed, for this reason.
    case unchanged(NoChangeReason)
}

/// Why a fact changed nothing. A typed value: it becomes a log field and a metric label, never a string to match.
public enum NoChangeReason: Sendable, Equatable {
    /// The payment is already in the reported status.
    case alreadyInStatus(PaymentStatus)
    /// The payment is in a terminal status and the reported one would regress it.
    case wouldRegress(current: PaymentStatus, reported: PaymentStatus)
    /// The transition table has no such move.
    case notAllowed(from: PaymentStatus, to: PaymentStatus)
    /// The answer said nothing Pasarela could use (unreadable, an unknown PSP status, an ambiguous outcome).
    case nothingLearnt
    /// The fact names an attempt the payment does not have.
    case unknownAttempt(String)
    /// The fact needs the payment in another status (canceling a succeeded payment, expiring a paid one).
    case wrongStatus(PaymentStatus)
    /// The voucher's `expires_at` has not passed.
    case notYetExpired
    /// The payment is already flagged for this reason.
    case alreadyFlagged
    /// The fact names a refund the payment does not have.
    case unknownRefund(String)
    /// A refund cannot be made, for this reason.
    case refundRefused(RefundRefusal)
    /// A capture cannot be made, for this reason.
    case captureRefused(CaptureRefusal)
    /// The refund is already final.
    case refundFinal(RefundStatus)

    /// A stable label for logs and metrics.
    public var code: String {
        switch self {
        case .alreadyInStatus: "already_in_status"
        case .wouldRegress: "would_regress"
        case .notAllowed: "transition_not_allowed"
        case .nothingLearnt: "nothing_learnt"
        case .unknownAttempt: "unknown_attempt"
        case .wrongStatus: "wrong_status"
        case .notYetExpired: "not_yet_expired"
        case .alreadyFlagged: "already_flagged"
        case .unknownRefund: "unknown_refund"
        case .refundRefused: "refund_refused"
        case .captureRefused: "capture_refused"
        case .refundFinal: "refund_final"
        }
    }

    /// A sentence for people.
    public var message: String {
        switch self {
        case .alreadyInStatus(let status): "payment is already \(status.rawValue)"
        case .wouldRegress(let current, let reported):
            "payment is \(current.rawValue), a terminal state; \(reported.rawValue) would regress it"
        case .notAllowed(let from, let to): "\(from.rawValue) cannot move to \(to.rawValue)"
        case .nothingLearnt: "the answer told nothing usable"
        case .unknownAttempt(let id): "no attempt \(id) on this payment"
        case .wrongStatus(let status): "not possible while the payment is \(status.rawValue)"
        case .notYetExpired: "the voucher has not expired yet"
        case .alreadyFlagged: "payment is already flagged for this"
        case .unknownRefund(let id): "no refund \(id) on this payment"
        case .refundRefused(let refusal): "refund refused: \(refusal)"
        case .captureRefused(let refusal): "capture refused: \(refusal)"
        case .refundFinal(let status): "the refund is already \(status.rawValue)"
        }
    }
}
