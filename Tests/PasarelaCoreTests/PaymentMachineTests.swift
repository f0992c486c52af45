import Foundation
import PasarelaCore
import Testing

/// The one transition function, fact by fact: what each changes, what it announces, and that no order of arrival and no
/// path regresses a terminal payment.
@Suite struct PaymentMachineTests {
    static let pen = Currency(code: "PEN")!
    static let amount = Money(minorUnits: 15000, currency: pen)
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let voucher = NextAction.displayVoucher(code: "12345678", barcode: nil, voucherURL: "https://v", expiresAt: start.addingTimeInterval(86400))

    static func fresh(method: PaymentMethod = .cash(network: nil)) -> StoredPayment {
        let request = PaymentRequest(amount: amount, country: "PE", method: method, orderId: "o-1",
                                     customer: Customer(name: "Ana", email: "ana@example.com"))
        let payment = Payment(id: "pay_1", merchantId: "m1", livemode: false, status: .processing, request: request,
                              expiresAt: start.addingTimeInterval(86400), createdAt: start, updatedAt: start)
        return StoredPayment(payment: payment, attempts: [])
    }

    static func attempt(_ id: String = "att_1", sequence: Int = 1, connection: String = "dlocal") -> Attempt {
        Attempt(id: id, paymentId: "pay_1", sequence: sequence, connection: connection, outcome: .unknown, startedAt: start)
    }

    static func answer(_ status: PaymentStatus, psp: String = "D-4-1", action: NextAction? = nil) -> PSPOutcome {
        PSPOutcome(outcome: AttemptOutcome(status: status), status: status, pspPaymentId: psp, pspStatus: status.rawValue, nextAction: action)
    }

    static func event(_ status: PaymentStatus, psp: String = "D-4-1", amount: ReportedAmount = .exact(amount), action: NextAction? = nil) -> PSPEvent {
        PSPEvent(pspPaymentId: psp, status: status, pspStatus: status.rawValue, reference: "att_1", amount: amount, nextAction: action,
                 dedupeKey: "\(psp):\(status.rawValue)")
    }

    /// Applies facts in order, returning the final state and every event announced.
    static func run(_ facts: [PaymentFact], from start: StoredPayment = started()) -> (StoredPayment, [StatusEventType]) {
        var current = start, events: [StatusEventType] = []
        for fact in facts {
            let decision = PaymentMachine.apply(fact, to: current, now: Self.start.addingTimeInterval(1))
            current = decision.stored
            events += decision.events
        }
        return (current, events)
    }

    /// A payment whose first attempt has started.
    static func started() -> StoredPayment {
        PaymentMachine.apply(.attemptStarted(attempt()), to: fresh(), now: start).stored
    }

    @Test func anAttemptJoinsOnlyAProcessingPaymentAndAnnouncesNothing() {
        let decision = PaymentMachine.apply(.attemptStarted(Self.attempt()), to: Self.fresh(), now: Self.start)
        #expect(decision.verdict == .recorded)
        #expect(decision.changedAttempts.map(\.id) == ["att_1"])
        #expect(decision.events.isEmpty)
        var paid = Self.fresh()
        paid.payment.status = .succeeded
        #expect(PaymentMachine.apply(.attemptStarted(Self.attempt()), to: paid, now: Self.start).verdict == .unchanged(.wrongStatus(.succeeded)))
    }

    @Test func theCreateAnswerMovesAndAnnouncesTheFirstState() {
        let (stored, events) = Self.run([.attemptAnswered(attemptId: "att_1", answer: Self.answer(.requiresAction, action: Self.voucher), final: true)])
        #expect(stored.payment.status == .requiresAction)
        #expect(stored.payment.nextAction == Self.voucher)
        #expect(stored.payment.connection == "dlocal")
        #expect(stored.payment.pspPaymentId == "D-4-1")
        #expect(stored.attempts[0].outcome == .pending)
        #expect(events == [.requiresAction])
    }

    @Test func anUnknownOutcomeIsAnnouncedOnceAsProcessing() {
        let unknown = PSPOutcome.ambiguous(code: nil, message: "timeout", failure: .timeout)
        let (stored, events) = Self.run([.attemptAnswered(attemptId: "att_1", answer: unknown, final: true)])
        #expect(stored.payment.status == .processing)
        #expect(stored.payment.announced)
        #expect(events == [.processing])
        // The reconciler's later "nothing learnt" announces nothing again.
        let again = PaymentMachine.apply(.noNews, to: stored, now: Self.start)
        #expect(again.events.isEmpty)
        #expect(!again.writes)
    }

    @Test func aFailedOverAttemptChangesOnlyItsAttempt() {
        let refused = PSPOutcome.notCreated(.http5xx, code: "7000", message: "down")
        let decision = PaymentMachine.apply(.attemptAnswered(attemptId: "att_1", answer: refused, final: false), to: Self.started(), now: Self.start)
        #expect(decision.payment.status == .processing)
        #expect(decision.events.isEmpty)
        #expect(decision.changedAttempts.first?.outcome == .failed)
        #expect(decision.changedAttempts.first?.failureClass == .http5xx)
        let (ended, events) = Self.run([.attemptAnswered(attemptId: "att_1", answer: refused, final: true)])
        #expect(ended.payment.status == .failed)
        #expect(ended.payment.failure == .notCreated(.http5xx))
        #expect(events == [.failed])
    }

    @Test func aDeclineEndsFailedWithItsClass() {
        var declined = Self.answer(.failed)
        declined.outcome = .declined
        declined.declineClass = .hard
        let (stored, events) = Self.run([.attemptAnswered(attemptId: "att_1", answer: declined, final: true)])
        #expect(stored.payment.status == .failed)
        #expect(stored.payment.failure == .declined(.hard))
        #expect(events == [.failed])
    }

    /// Checkout's card race: the create answer (Authorized) and the two webhooks (approved, captured) in every order.
    @Test func everyOrderOfAnswerAndWebhooksEndsSucceededWithOneEventPerStateReached() {
        let facts: [PaymentFact] = [
            .attemptAnswered(attemptId: "att_1", answer: Self.answer(.authorized, psp: "pay_c"), final: true),
            .pspEvent(attemptId: "att_1", event: Self.event(.authorized, psp: "pay_c")),
            .pspEvent(attemptId: "att_1", event: Self.event(.succeeded, psp: "pay_c")),
        ]
        for order in Self.permutations(facts) {
            let (stored, events) = Self.run(order)
            #expect(stored.payment.status == .succeeded, "\(order)")
            #expect(stored.attempts[0].outcome == .succeeded)
            #expect(stored.payment.pspPaymentId == "pay_c")
            #expect(Set(events).count == events.count, "an event twice in \(events)")
            #expect(events.last == .succeeded)
            #expect(events == [.authorized, .succeeded] || events == [.succeeded], "\(events) for \(order)")
        }
    }

    @Test func terminalPaymentsNeverRegressWhateverTheFact() {
        let reports: [PaymentStatus] = [.requiresAction, .processing, .authorized, .failed, .canceled, .expired]
        for terminal in [PaymentStatus.succeeded, .failed, .canceled, .expired] {
            var base = Self.started()
            base.payment.status = terminal
            base.payment.announced = true
            base.payment.failure = terminal == .succeeded ? nil : .declined(.soft)
            for reported in reports where reported != terminal {
                let facts: [PaymentFact] = [
                    .pspEvent(attemptId: "att_1", event: Self.event(reported)),
                    .lookupFound(attemptId: "att_1", answer: Self.answer(reported)),
                    .attemptAnswered(attemptId: "att_1", answer: Self.answer(reported), final: true),
                    .lookupNotFound(attemptId: "att_1"), .reconcileGaveUp, .voucherExpired, .canceledByMerchant,
                    .noConnectionAvailable, .interruptedBeforePSP,
                ]
                for fact in facts {
                    let decision = PaymentMachine.apply(fact, to: base, now: Self.start.addingTimeInterval(2 * 86400))
                    #expect(decision.payment.status == terminal, "\(terminal) moved by \(fact)")
                    #expect(decision.events.isEmpty)
                }
            }
        }
    }

    @Test func aVoucherPaidAfterPasarelaExpiredItSucceedsFlaggedAndAnnounced() {
        let issued = Self.run([.attemptAnswered(attemptId: "att_1", answer: Self.answer(.requiresAction, action: Self.voucher), final: true)]).0
        #expect(PaymentMachine.apply(.voucherExpired, to: issued, now: Self.start).verdict == .unchanged(.notYetExpired))
        let expired = PaymentMachine.apply(.voucherExpired, to: issued, now: Self.start.addingTimeInterval(86401))
        #expect(expired.payment.status == .expired)
        #expect(expired.payment.failure == .voucherExpired)
        #expect(expired.events == [.expired])
        let late = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.succeeded)), to: expired.stored, now: Self.start)
        #expect(late.payment.status == .succeeded)
        #expect(late.payment.latePayment)
        #expect(late.payment.failure == nil)
        #expect(late.events == [.succeeded])
    }

    @Test func anUnresolvedPaymentStillTakesAGenuinePayment() {
        let gaveUp = Self.run([.reconcileGaveUp]).0
        #expect(gaveUp.payment.status == .failed)
        #expect(gaveUp.payment.failure == .unresolved)
        let paid = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.succeeded)), to: gaveUp, now: Self.start)
        #expect(paid.payment.status == .succeeded)
        #expect(paid.payment.latePayment)
    }

    @Test func aPaymentTheMerchantCanceledIsFlaggedNotReopenedWhenThePSPSaysPaid() {
        let issued = Self.run([.attemptAnswered(attemptId: "att_1", answer: Self.answer(.requiresAction, action: Self.voucher), final: true),
                               .canceledByMerchant]).0
        #expect(issued.payment.status == .canceled)
        let paid = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.succeeded)), to: issued, now: Self.start)
        #expect(paid.payment.status == .canceled)
        #expect(paid.verdict == .flagged(.paidAfterEnd(.canceled)))
        #expect(paid.events.isEmpty)
    }

    @Test func amountsThatDisagreeOrCannotBeReadAreFlaggedOnce() {
        let issued = Self.run([.attemptAnswered(attemptId: "att_1", answer: Self.answer(.requiresAction, action: Self.voucher), final: true)]).0
        let other = Money(minorUnits: 100, currency: Self.pen)
        let mismatch = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.succeeded, amount: .exact(other))), to: issued, now: Self.start)
        #expect(mismatch.verdict == .flagged(.amountMismatch(expected: Self.amount, reported: other)))
        #expect(mismatch.payment.status == .requiresAction)
        let again = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.succeeded, amount: .exact(other))), to: mismatch.stored, now: Self.start)
        #expect(again.verdict == .unchanged(.alreadyFlagged))
        let unreadable = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.succeeded, amount: .unreadable("72.005 PEN"))),
                                              to: issued, now: Self.start)
        #expect(unreadable.verdict == .flagged(.amountUnreadable))
        #expect(unreadable.payment.status == .requiresAction)
    }

    @Test func aVoucherLearntFromAWebhookReachesThePayment() {
        let unknown = PSPOutcome.ambiguous(code: nil, message: "lost reply")
        let (stored, events) = Self.run([.attemptAnswered(attemptId: "att_1", answer: unknown, final: true),
                                         .pspEvent(attemptId: "att_1", event: Self.event(.requiresAction, action: Self.voucher))])
        #expect(stored.payment.status == .requiresAction)
        #expect(stored.payment.nextAction == Self.voucher)
        #expect(stored.payment.pspPaymentId == "D-4-1")
        #expect(events == [.processing, .requiresAction])
    }

    @Test func lookupsEndWhatThePSPNeverReceivedAndIgnoreWhatTheyCannotRead() {
        let gone = Self.run([.lookupNotFound(attemptId: "att_1")]).0
        #expect(gone.payment.status == .failed)
        #expect(gone.payment.failure == .pspNeverReceived)
        let unreadable = PaymentMachine.apply(.lookupFound(attemptId: "att_1", answer: .ambiguous(code: nil, message: "garbage")),
                                              to: Self.started(), now: Self.start)
        #expect(unreadable.verdict == .unchanged(.nothingLearnt))
        #expect(!unreadable.writes)
        #expect(PaymentMachine.apply(.interruptedBeforePSP, to: Self.fresh(), now: Self.start).payment.failure == .interruptedBeforePSP)
        #expect(PaymentMachine.apply(.interruptedBeforePSP, to: Self.started(), now: Self.start).verdict == .unchanged(.wrongStatus(.processing)))
    }

    @Test func anEarlierAttemptThatFailedOverCannotTakeThePayment() {
        let refused = PSPOutcome.notCreated(.http5xx, code: nil, message: "down")
        var stored = Self.run([.attemptAnswered(attemptId: "att_1", answer: refused, final: false)]).0
        stored = PaymentMachine.apply(.attemptStarted(Self.attempt("att_2", sequence: 2, connection: "pagoefectivo")), to: stored, now: Self.start).stored
        let late = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.succeeded)), to: stored, now: Self.start)
        #expect(late.verdict == .flagged(.earlierAttemptReported(attemptId: "att_1", status: .succeeded)))
        #expect(late.payment.status == .processing)
    }

    @Test func anAttemptsOutcomeOnlyMovesForward() {
        let (stored, _) = Self.run([.pspEvent(attemptId: "att_1", event: Self.event(.succeeded)),
                                    .attemptAnswered(attemptId: "att_1", answer: Self.answer(.requiresAction), final: true)])
        #expect(stored.attempts[0].outcome == .succeeded)
        #expect(stored.payment.status == .succeeded)
    }

    @Test func cancelIsAllowedOnlyForOpenPaymentsAPSPHolds() {
        let issued = Self.run([.attemptAnswered(attemptId: "att_1", answer: Self.answer(.requiresAction, action: Self.voucher), final: true)]).0
        #expect(PaymentMachine.cancellation(of: issued) == .allowed(issued.attempts[0]))
        #expect(PaymentMachine.cancellation(of: Self.started()) == .refused(.outcomeUnknown))
        var paid = issued
        paid.payment.status = .succeeded
        #expect(PaymentMachine.cancellation(of: paid) == .refused(.alreadySucceeded))
        paid.payment.status = .expired
        #expect(PaymentMachine.cancellation(of: paid) == .refused(.alreadyEnded(.expired)))
    }

    @Test func failureReasonsRoundTripThroughTheirCodes() {
        let all: [PaymentFailure] = [.declined(.soft), .declined(.risk), .notCreated(.http5xx), .noConnectionAvailable, .interruptedBeforePSP,
                                     .pspNeverReceived, .unresolved, .canceledAtPSP, .expiredAtPSP, .voucherExpired, .canceledByMerchant]
        for failure in all { #expect(PaymentFailure(code: failure.code, detail: failure.detail) == failure) }
        #expect(PaymentFailure(code: "payment_declined", detail: "bogus") == nil)
    }

    static func permutations<T>(_ items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index -> [[T]] in
            var rest = items
            let first = rest.remove(at: index)
            return permutations(rest).map { [first] + $0 }
        }
    }

    /// A PSP that cannot be asked flags the payment at once; the flag says "not known yet" and goes when the payment
    /// moves. A terminal payment is never flagged that way.
    @Test func aPaymentNobodyCanAskIsFlaggedUntilItMoves() {
        let unknown = PSPOutcome.ambiguous(code: nil, message: "garbage", failure: .invalidResponse)
        let review = ReviewReason.outcomeUnknowable(connection: "acmepay", reference: "att_1")
        let (flagged, events) = Self.run([.needsOperator(review), .attemptAnswered(attemptId: "att_1", answer: unknown, final: true)])
        #expect(flagged.payment.status == .processing)
        #expect(flagged.payment.review == review)
        #expect(events == [.processing])
        #expect(PaymentMachine.apply(.needsOperator(review), to: flagged, now: Self.start).verdict == .unchanged(.alreadyFlagged))
        let paid = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.succeeded)), to: flagged, now: Self.start)
        #expect(paid.stored.payment.status == .succeeded)
        #expect(paid.stored.payment.review == nil)
        #expect(PaymentMachine.apply(.needsOperator(.pspNotAnswering(connection: "dlocal")), to: paid.stored, now: Self.start).verdict
            == .unchanged(.wrongStatus(.succeeded)))
        // A flag that is not about a missing answer stays.
        var mismatch = flagged
        mismatch.payment.review = .amountUnreadable
        let moved = PaymentMachine.apply(.pspEvent(attemptId: "att_1", event: Self.event(.requiresAction, amount: .absent, action: Self.voucher)),
                                         to: mismatch, now: Self.start)
        #expect(moved.stored.payment.status == .requiresAction)
        #expect(moved.stored.payment.review == .amountUnreadable)
    }

    /// A lookup that finds the payment ended at the PSP (voided, expired) applies it; "not created" it is not.
    @Test func aLookupFindingThePaymentEndedAtThePSPAppliesIt() {
        let authorized = Self.run([.attemptAnswered(attemptId: "att_1", answer: Self.answer(.authorized), final: true)]).0
        let asked = PaymentMachine.apply(.cancelRequested(.merchant), to: authorized, now: Self.start).stored
        let voided = PaymentMachine.apply(.lookupFound(attemptId: "att_1", answer: Self.answer(.canceled)), to: asked, now: Self.start)
        #expect(voided.verdict == .applied(.canceled))
        #expect(voided.stored.payment.failure == .canceledByMerchant)
        let voucher = Self.run([.attemptAnswered(attemptId: "att_1", answer: Self.answer(.requiresAction, action: Self.voucher), final: true)]).0
        let expired = PaymentMachine.apply(.lookupFound(attemptId: "att_1", answer: Self.answer(.expired)), to: voucher, now: Self.start)
        #expect(expired.stored.payment.status == .expired)
        #expect(expired.stored.payment.failure == .expiredAtPSP)
        let refused = PaymentMachine.apply(.lookupFound(attemptId: "att_1", answer: .notCreated(.http5xx, code: "500", message: "x")),
                                           to: voucher, now: Self.start)
        #expect(refused.verdict == .unchanged(.nothingLearnt))
    }

    /// A void the PSP accepted and then declined: the pending cancel goes, the status stays, the reason is announced.
    @Test func aDeclinedCancelClearsThePendingCancelAndSaysWhy() {
        let authorized = Self.run([.attemptAnswered(attemptId: "att_1", answer: Self.answer(.authorized), final: true)]).0
        let asked = PaymentMachine.apply(.cancelRequested(.merchant), to: authorized, now: Self.start).stored
        #expect(asked.payment.pendingCancel == .merchant)
        let declined = PaymentMachine.apply(.cancelDeclined(reason: "20057: not permitted"), to: asked, now: Self.start)
        #expect(declined.stored.payment.status == .authorized)
        #expect(declined.stored.payment.pendingCancel == nil)
        #expect(declined.events == [.cancelFailed])
        #expect(declined.cancelFailure == "20057: not permitted")
        #expect(PaymentMachine.apply(.cancelDeclined(reason: "again"), to: declined.stored, now: Self.start).verdict == .unchanged(.nothingLearnt))
    }
}
