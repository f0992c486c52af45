import Foundation

extension PaymentMachine {
    /// The payment being decided on: starts as the current state and collects the changes.
    struct Draft {
        let original: StoredPayment
        var stored: StoredPayment
        var events: [StatusEventType] = []
        var refundEvents: [RefundAnnouncement] = []
        var cancelFailure: String?
        var verdict: Verdict?
        let now: Date

        init(_ current: StoredPayment, now: Date) {
            original = current
            stored = current
            self.now = now
        }

        var payment: Payment {
            get { stored.payment }
            set { stored.payment = newValue }
        }

        mutating func unchanged(_ reason: NoChangeReason) -> Decision {
            Decision(verdict: .unchanged(reason), stored: original, changedAttempts: [], events: [], changesPayment: false)
        }

        mutating func update(_ id: String, _ change: (inout Attempt) -> Void) {
            guard let index = stored.attempts.firstIndex(where: { $0.id == id }) else { return }
            change(&stored.attempts[index])
        }

        /// Folds a PSP answer into an attempt. An attempt's outcome only moves forward (unknown → pending → final), so a
        /// late or repeated answer never undoes what a webhook already taught it.
        mutating func merge(_ answer: PSPOutcome, into id: String, durationMs: Int?) {
            update(id) { attempt in
                if Self.rank(answer.outcome) > Self.rank(attempt.outcome)
                    || Self.rank(answer.outcome) == Self.rank(attempt.outcome) && Self.rank(answer.outcome) < 2 {
                    attempt.outcome = answer.outcome
                    attempt.pspStatus = answer.pspStatus ?? attempt.pspStatus
                    attempt.declineClass = answer.declineClass
                    attempt.failureClass = answer.failureClass
                    attempt.errorCode = answer.errorCode
                    attempt.errorMessage = answer.errorMessage.map { String($0.prefix(500)) }
                }
                if attempt.pspPaymentId == nil { attempt.pspPaymentId = answer.pspPaymentId }
                if let durationMs { attempt.durationMs = durationMs }
            }
        }

        static func rank(_ outcome: AttemptOutcome) -> Int {
            switch outcome {
            case .unknown: 0
            case .pending: 1
            case .succeeded, .declined, .failed: 2
            }
        }

        /// The payment's state after its attempt's answer (create, replay or lookup).
        mutating func settle(_ answer: PSPOutcome, attempt: Attempt) {
            switch answer.outcome {
            case .failed where answer.endedAtPSP:
                // The PSP holds the payment and says it ended (a void or cancel it confirms, a voucher it expired).
                take(attempt.id)
                report(status: answer.status ?? .canceled, attempt: attempt, amount: answer.amount, nextAction: nil, expiresAt: nil,
                       failure: nil)
            case .failed:
                // Nothing was created, so nothing else can have moved the payment.
                guard payment.status == .processing else { return keep(.wrongStatus(payment.status)) }
                end(.failed, because: .notCreated(answer.failureClass ?? .rejected))
            case .declined:
                take(attempt.id)
                report(status: .failed, attempt: attempt, amount: answer.amount, nextAction: nil, expiresAt: nil,
                       failure: .declined(answer.declineClass ?? .soft))
            case .unknown:
                // Nothing learnt about the status; the PSP may hold a live payment, so the payment stays where it is.
                take(attempt.id)
                keep(.nothingLearnt)
            case .succeeded, .pending:
                take(attempt.id)
                report(status: answer.status ?? .processing, attempt: attempt, amount: answer.amount,
                       nextAction: answer.nextAction, expiresAt: answer.expiresAt, failure: nil)
            }
        }

        /// The payment is in the hands of this attempt's PSP (only the latest attempt can take it).
        mutating func take(_ id: String) {
            guard stored.lastAttempt?.id == id, let attempt = stored.attempt(id) else { return }
            payment.connection = attempt.connection
            if let pspId = attempt.pspPaymentId { payment.pspPaymentId = pspId }
        }

        /// A verified webhook event about one of the payment's attempts.
        mutating func report(_ event: PSPEvent, attempt: Attempt) {
            if stored.attempt(attempt.id)?.pspPaymentId == nil { update(attempt.id) { $0.pspPaymentId = event.pspPaymentId } }
            let status = payment.status
            let failure: PaymentFailure? = event.status == .failed ? .declined(attempt.declineClass ?? .soft) : nil
            report(status: event.status, attempt: attempt, amount: event.amount, nextAction: event.nextAction,
                   expiresAt: event.nextAction.flatMap(Self.expiry), failure: failure)
            take(attempt.id)
            if payment.status != status {
                update(attempt.id) { current in
                    let outcome = AttemptOutcome(status: event.status)
                    if Self.rank(outcome) >= Self.rank(current.outcome) {
                        current.outcome = outcome
                        current.pspStatus = event.pspStatus
                    }
                }
            }
        }

        static func expiry(_ action: NextAction) -> Date? {
            if case .displayVoucher(_, _, _, let expiry) = action { expiry } else { nil }
        }

        /// What a PSP says the payment's status is, checked (amount, attempt, transition table) before it is applied.
        mutating func report(status target: PaymentStatus, attempt: Attempt, amount: ReportedAmount, nextAction: NextAction?,
                             expiresAt: Date?, failure: PaymentFailure?) {
            // A capture of part of an authorization reports the part captured.
            let expected = target == .succeeded ? payment.pendingCapture ?? payment.request.amount : payment.request.amount
            switch amount {
            case .absent: break
            case .exact(let money) where money == expected || money == payment.request.amount: break
            case .exact(let money): return flag(.amountMismatch(expected: expected, reported: money))
            case .unreadable: return flag(.amountUnreadable)
            }
            let superseded = stored.lastAttempt?.id != attempt.id
            if superseded {
                // An attempt that failed over told the PSP nothing lives there; only its own failure may be echoed.
                if [.failed, .canceled, .expired].contains(target) { return keep(.alreadyInStatus(target)) }
                return flag(.earlierAttemptReported(attemptId: attempt.id, status: target))
            }
            let current = payment.status
            if target == current {
                if target == .requiresAction, let nextAction, payment.nextAction == nil {
                    payment.nextAction = nextAction
                    if let expiresAt { payment.expiresAt = expiresAt }
                    return
                }
                return keep(.alreadyInStatus(current))
            }
            if current.isTerminal {
                guard target == .succeeded else { return keep(.wouldRegress(current: current, reported: target)) }
                // Money moved after Pasarela ended the payment on its own: the PSP's word wins, flagged and announced.
                guard payment.failure?.allowsLatePayment == true else { return flag(.paidAfterEnd(current)) }
                payment.latePayment = true
                move(to: .succeeded, failure: nil)
                return
            }
            guard current.canMove(to: target) else { return keep(.notAllowed(from: current, to: target)) }
            if target == .canceled || target == .expired, let intent = payment.pendingCancel {
                // The PSP confirms the cancel Pasarela asked for (its notification may beat its answer): the reason is ours.
                return intent == .merchant ? move(to: .canceled, failure: .canceledByMerchant) : move(to: .expired, failure: .voucherExpired)
            }
            if target == .requiresAction {
                payment.nextAction = nextAction ?? payment.nextAction
                if let expiresAt { payment.expiresAt = expiresAt }
            }
            if target == .succeeded, current == .authorized, let pending = payment.pendingCapture {
                return capture(pending)
            }
            move(to: target, failure: failure ?? Self.failure(reportedBy: target))
        }

        /// Why a payment ended when its PSP reported the end.
        static func failure(reportedBy status: PaymentStatus) -> PaymentFailure? {
            switch status {
            case .failed: .declined(.soft)
            case .canceled: .canceledAtPSP
            case .expired: .expiredAtPSP
            case .requiresAction, .processing, .authorized, .succeeded: nil
            }
        }

        /// Ends an open payment for a reason of Pasarela's own.
        mutating func end(_ status: PaymentStatus, because failure: PaymentFailure) {
            guard payment.status.canMove(to: status) else {
                return keep(payment.status.isTerminal ? .wouldRegress(current: payment.status, reported: status)
                                                      : .notAllowed(from: payment.status, to: status))
            }
            move(to: status, failure: failure)
        }

        mutating func move(to status: PaymentStatus, failure: PaymentFailure?) {
            payment.status = status
            if status.isTerminal { payment.pendingCancel = nil }
            payment.failure = status == .succeeded || status == .authorized ? nil : failure
            if status != .requiresAction { payment.nextAction = nil }
            if status == .succeeded { payment.succeededAt = now }
            if payment.review?.clearsWhenSettled == true { payment.review = nil }
            announce(status)
            verdict = .applied(status)
        }

        mutating func announce(_ status: PaymentStatus) {
            events.append(StatusEventType(status: status))
            payment.announced = true
        }

        mutating func flag(_ reason: ReviewReason) {
            guard payment.review != reason else { return keep(.alreadyFlagged) }
            payment.review = reason
            verdict = .flagged(reason)
        }

        /// Records why the status stays, unless something else already decided.
        mutating func keep(_ reason: NoChangeReason) {
            if verdict == nil { verdict = .unchanged(reason) }
        }

        func decision() -> Decision {
            var stored = self.stored
            let changedAttempts = stored.attempts.filter { attempt in original.attempt(attempt.id) != attempt }
            for index in stored.refunds.indices where original.refund(stored.refunds[index].id) != stored.refunds[index] {
                stored.refunds[index].updatedAt = now
            }
            let changedRefunds = stored.refunds.filter { refund in original.refund(refund.id) != refund }
            let changesPayment = stored.payment != original.payment
            if changesPayment {
                stored.payment.updatedAt = now
            }
            let wrote = changesPayment || !changedAttempts.isEmpty || !changedRefunds.isEmpty
            let verdict = self.verdict ?? (wrote ? .recorded : .unchanged(.nothingLearnt))
            return Decision(verdict: verdict, stored: stored, changedAttempts: changedAttempts, events: events,
                            changesPayment: changesPayment, changedRefunds: changedRefunds, refundEvents: refundEvents,
                            cancelFailure: cancelFailure)
        }
    }
}
