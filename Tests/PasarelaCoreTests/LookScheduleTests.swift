import Foundation
@testable import PasarelaCore
import Testing

/// When the reconciler looks at a payment next, and what a silent look means: the policy beside the state machine.
@Suite struct LookScheduleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = LookPolicy()

    static func stored(_ status: PaymentStatus, looks: Int = 0, next: Date? = now, expires: Date? = nil, lease: Date? = nil) -> StoredPayment {
        let request = PaymentRequest(amount: Money(minorUnits: 100, currency: Currency(code: "PEN")!), country: "PE", method: .cash(network: nil),
                                     orderId: "o", customer: Customer(name: "A", email: "a@example.com"))
        let payment = Payment(id: "pay_1", merchantId: "m", livemode: false, status: status, request: request, expiresAt: expires,
                              createdAt: now, updatedAt: now, leaseUntil: lease, looks: looks, nextLookAt: next)
        return StoredPayment(payment: payment, attempts: [])
    }

    /// Schedules `after` as the decision `verdict` left it.
    func schedule(_ after: StoredPayment, before: Payment? = nil, verdict: Verdict = .recorded, write: LookSchedule.Write = .init(),
                  draw: Double = 0.5) -> Payment {
        var scheduled = after
        let decision = Decision(verdict: verdict, stored: after, changedAttempts: [], events: [], changesPayment: true)
        LookSchedule.schedule(&scheduled, before: before ?? after.payment, decision: decision, policy: policy, now: Self.now, write: write, draw: draw)
        return scheduled.payment
    }

    @Test func waitsDoubleFromTheFirstLookUpToTheCapAndSpreadByTheJitter() {
        #expect((0..<8).map { policy.wait(afterLooks: $0, draw: 0.5) } == [5, 10, 20, 40, 80, 160, 320, 640])
        #expect(policy.wait(afterLooks: 20, draw: 0.5) == 3600)
        #expect(policy.wait(afterLooks: 5000, draw: 0.5) == 3600)
        #expect(abs(policy.wait(afterLooks: 1, draw: 0) - 9) < 1e-9)
        #expect(abs(policy.wait(afterLooks: 1, draw: 0.999_999) - 11) < 1e-4)
    }

    @Test func aCreateThatEndsUnknownIsLookedAtSoonAndEachSilentLookWaitsLonger() {
        let ended = schedule(Self.stored(.processing, lease: Self.now.addingTimeInterval(15)), write: .init(endsLease: true))
        #expect(ended.leaseUntil == nil)
        #expect(ended.nextLookAt == Self.now.addingTimeInterval(5))
        #expect(ended.looks == 0)
        let silent = schedule(Self.stored(.processing, looks: 3), write: .init(isLook: true))
        #expect(silent.looks == 4)
        #expect(silent.nextLookAt == Self.now.addingTimeInterval(80))
        // A write that is no look (a webhook that changed nothing visible) keeps the schedule.
        #expect(schedule(Self.stored(.processing, looks: 3)).nextLookAt == Self.now)
    }

    @Test func aHeldPaymentIsFirstLookedAtWhenItsLeaseEnds() {
        let held = Self.stored(.processing, next: nil, lease: Self.now.addingTimeInterval(15))
        #expect(schedule(held).nextLookAt == Self.now.addingTimeInterval(15))
    }

    @Test func aVoucherIsLookedAtWhenItExpiresOrAfterSixHoursWithoutNews() {
        let soon = Self.now.addingTimeInterval(3600)
        let moved = schedule(Self.stored(.requiresAction, next: nil, expires: soon), verdict: .applied(.requiresAction))
        #expect(moved.nextLookAt == soon)
        let later = Self.now.addingTimeInterval(86_400)
        #expect(schedule(Self.stored(.requiresAction, next: nil, expires: later), verdict: .applied(.requiresAction)).nextLookAt
            == Self.now.addingTimeInterval(6 * 3600))
        let silent = schedule(Self.stored(.requiresAction, looks: 1, expires: later), write: .init(isLook: true))
        #expect(silent.nextLookAt == Self.now.addingTimeInterval(6 * 3600))
    }

    @Test func aFinalPaymentIsNeverLookedAtAgainUnlessARefundWaits() {
        let done = schedule(Self.stored(.succeeded, looks: 4), verdict: .applied(.succeeded))
        #expect(done.nextLookAt == nil)
        #expect(done.looks == 0)
        var refunding = Self.stored(.succeeded, next: nil)
        refunding.refunds = [Refund(id: "re_1", paymentId: "pay_1", amount: Money(minorUnits: 50, currency: Currency(code: "PEN")!),
                                    connection: "dlocal", createdAt: Self.now, updatedAt: Self.now)]
        #expect(schedule(refunding).nextLookAt == Self.now.addingTimeInterval(5))
    }

    @Test func aCaptureOrCancelAskedOfThePSPStartsTheScheduleOver() {
        var asked = Self.stored(.authorized, looks: 2, next: Self.now.addingTimeInterval(6 * 3600))
        let before = asked.payment
        asked.payment.pendingCancel = .merchant
        let cancel = schedule(asked, before: before)
        #expect(cancel.looks == 0)
        #expect(cancel.nextLookAt == Self.now.addingTimeInterval(5))
        var capture = Self.stored(.authorized, next: Self.now.addingTimeInterval(6 * 3600))
        let beforeCapture = capture.payment
        capture.payment.pendingCapture = Money(minorUnits: 100, currency: Currency(code: "PEN")!)
        #expect(schedule(capture, before: beforeCapture).nextLookAt == Self.now.addingTimeInterval(5))
    }

    @Test func aDuplicateCheckIsOwedSoon() {
        var replayed = Self.stored(.requiresAction, next: Self.now.addingTimeInterval(6 * 3600))
        replayed.attempts = [Attempt(id: "att_1", paymentId: "pay_1", sequence: 1, connection: "pagoefectivo", outcome: .pending,
                                     startedAt: Self.now, needsDuplicateCheck: true)]
        #expect(schedule(replayed).nextLookAt == Self.now.addingTimeInterval(5))
    }

    @Test func aSilentLookEndsAPaymentOnlyWhenItsPSPCannotSay() {
        let early = Self.stored(.processing, looks: 2).payment
        let last = Self.stored(.processing, looks: 7).payment
        let unknowable = ReviewReason.outcomeUnknowable(connection: "acme", reference: "att_1")
        #expect(LookSchedule.silentLook(early, connection: "dlocal", policy: policy, pspCanSay: true, flag: nil) == .noNews)
        #expect(LookSchedule.silentLook(last, connection: "dlocal", policy: policy, pspCanSay: true, flag: nil)
            == .needsOperator(.pspNotAnswering(connection: "dlocal")))
        #expect(LookSchedule.silentLook(early, connection: "acme", policy: policy, pspCanSay: false, flag: unknowable) == .needsOperator(unknowable))
        #expect(LookSchedule.silentLook(last, connection: "acme", policy: policy, pspCanSay: false, flag: unknowable) == .reconcileGaveUp)
        // A voucher is never ended by silence: its expiry does that.
        let voucher = Self.stored(.requiresAction, looks: 40).payment
        #expect(LookSchedule.silentLook(voucher, connection: "dlocal", policy: policy, pspCanSay: false, flag: nil) == .noNews)
    }
}
