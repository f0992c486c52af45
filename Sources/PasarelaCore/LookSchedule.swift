import Foundation

/// How often the reconciler asks one connection's PSP about payments it has not settled (`reconcile:` in the adapter
/// file). A payment whose create answer was lost is looked at soon and then less and less often: a first look after
/// 5 s, then 10 s later, each wait doubling, at most an hour apart; after 8 looks (about 20 minutes) without an answer
/// it is flagged for review.
public struct LookPolicy: Sendable, Equatable {
    /// A payment still `processing` this long after its last change is looked up.
    public var firstLookAfter: TimeInterval = 5
    /// Then again this long after...
    public var every: TimeInterval = 10
    /// ...each wait multiplied by this factor (1 = fixed interval)...
    public var backoff: Double = 2
    /// ...never more than this apart.
    public var maxWait: TimeInterval = 3600
    /// After this many looks have learnt nothing, a payment whose PSP can say is flagged for review
    /// (`psp_not_answering`) and still looked at; one whose PSP cannot say ends `failed` (`outcome_unresolved`).
    public var maxLooks = 8
    /// Each wait is spread by up to this fraction either way, so payments created together are not asked together.
    public var jitter: Double = 0.1
    /// A voucher or authorization with no news for this long is looked up (and again this often).
    public var noNewsAfter: TimeInterval = 6 * 3600

    public init() {}

    /// The wait before look number `looks + 1`, given a draw in [0, 1) for the jitter.
    public func wait(afterLooks looks: Int, draw: Double) -> TimeInterval {
        let base = looks == 0 ? firstLookAfter : min(maxWait, every * pow(backoff, Double(min(looks - 1, 64))))
        return base * (1 + jitter * (2 * draw - 1))
    }
}

/// When the reconciler looks at a payment next, and what a look that learnt nothing means: policy beside the state
/// machine, pure (the jitter's draw is given), so every rule is unit-tested.
public enum LookSchedule {
    /// How the decision was written.
    public struct Write: Sendable, Equatable {
        /// The reconciler's look: it counts, and a look that learnt nothing waits longer before the next.
        public var isLook = false
        /// The create path's last write: its lease on the payment ends.
        public var endsLease = false

        public init(isLook: Bool = false, endsLease: Bool = false) {
            self.isLook = isLook
            self.endsLease = endsLease
        }
    }

    /// Sets `after`'s next look (and its count of looks) once `decision` was made on `before`. A status change, a
    /// refund's, or a capture or cancel asked of the PSP starts the schedule over; a look that learnt nothing counts and
    /// waits longer; a voucher is looked at when it expires; a final payment with nothing pending is never looked at again.
    /// - Parameter draw: a number in [0, 1) that spreads the wait by the policy's jitter.
    public static func schedule(_ after: inout StoredPayment, before: Payment, decision: Decision, policy: LookPolicy, now: Date,
                                write: Write, draw: Double) {
        var payment = after.payment
        defer { after.payment = payment }
        if write.endsLease { payment.leaseUntil = nil }
        let refundPending = after.refunds.contains { $0.status == .pending }
        guard !payment.status.isTerminal || refundPending else {
            payment.nextLookAt = nil
            payment.looks = 0
            return
        }
        let moved: Bool = if case .applied = decision.verdict { true } else { !decision.refundEvents.isEmpty }
        let asked = payment.pendingCapture != nil && before.pendingCapture == nil || payment.pendingCancel != nil && before.pendingCancel == nil
        if moved || asked || payment.nextLookAt == nil || write.endsLease {
            payment.looks = 0
            payment.nextLookAt = firstLook(payment, policy: policy, now: now, draw: draw)
        } else if write.isLook {
            payment.looks += 1
            let waiting = payment.status == .processing || payment.status.isTerminal || waitsOnPSP(payment)
            let wait = waiting ? policy.wait(afterLooks: payment.looks, draw: draw) : policy.noNewsAfter
            payment.nextLookAt = earliest(now.addingTimeInterval(wait), expiryLook(payment))
        }
        if after.attempts.contains(where: \.needsDuplicateCheck) {
            payment.nextLookAt = earliest(payment.nextLookAt, now.addingTimeInterval(policy.firstLookAfter))
        }
    }

    /// What a look that learnt nothing states. A `processing` payment whose PSP can say whether it holds it is never
    /// ended for the PSP's silence: at its last look it is flagged `psp_not_answering` and still asked. One whose PSP
    /// cannot say is flagged as such at once (`flag`) and ends `failed` (`outcome_unresolved`) at its last look.
    /// - Parameters:
    ///   - pspCanSay: whether the connection can tell if it holds the payment (and exists).
    ///   - flag: why a person must look now, when the look showed it.
    public static func silentLook(_ payment: Payment, connection: String, policy: LookPolicy, pspCanSay: Bool,
                                  flag: ReviewReason?) -> PaymentFact {
        let lastLook = payment.status == .processing && payment.looks + 1 >= policy.maxLooks
        if lastLook, !pspCanSay { return .reconcileGaveUp }
        if let flag { return .needsOperator(flag) }
        if lastLook { return .needsOperator(.pspNotAnswering(connection: connection)) }
        return .noNews
    }

    /// The first look at a payment in its current status.
    static func firstLook(_ payment: Payment, policy: LookPolicy, now: Date, draw: Double) -> Date? {
        if payment.status.isTerminal || waitsOnPSP(payment) {
            // A refund, capture or cancel waiting on its PSP.
            return now.addingTimeInterval(policy.wait(afterLooks: 0, draw: draw))
        }
        switch payment.status {
        case .processing:
            let after = now.addingTimeInterval(policy.wait(afterLooks: 0, draw: draw))
            return max(after, payment.leaseUntil ?? after)
        case .requiresAction, .authorized:
            return earliest(now.addingTimeInterval(policy.noNewsAfter), expiryLook(payment))
        case .succeeded, .failed, .canceled, .expired:
            return nil
        }
    }

    /// Whether a capture or cancel asked of the PSP waits for its confirmation.
    static func waitsOnPSP(_ payment: Payment) -> Bool { payment.pendingCapture != nil || payment.pendingCancel != nil }

    /// A voucher is looked at when it expires.
    static func expiryLook(_ payment: Payment) -> Date? {
        payment.status == .requiresAction ? payment.expiresAt : nil
    }

    static func earliest(_ a: Date?, _ b: Date?) -> Date? {
        switch (a, b) {
        case (let a?, let b?): min(a, b)
        case (let a?, nil): a
        case (nil, let b): b
        }
    }
}
