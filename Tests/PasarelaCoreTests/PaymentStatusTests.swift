import PasarelaCore
import Testing

@Suite struct PaymentStatusTests {
    @Test func terminalStatesNeverMove() {
        for terminal in [PaymentStatus.succeeded, .failed, .canceled, .expired] {
            #expect(terminal.isTerminal)
            for next in PaymentStatus.allCases { #expect(!terminal.canMove(to: next), "\(terminal) → \(next)") }
        }
    }

    @Test func openStatesMoveForward() {
        #expect(PaymentStatus.processing.canMove(to: .requiresAction))
        #expect(PaymentStatus.requiresAction.canMove(to: .succeeded))
        #expect(PaymentStatus.requiresAction.canMove(to: .expired))
        #expect(PaymentStatus.authorized.canMove(to: .succeeded))
        #expect(!PaymentStatus.authorized.canMove(to: .requiresAction))
        #expect(!PaymentStatus.processing.canMove(to: .processing))
    }

    let pen = Money(minorUnits: 15000, currency: Currency(code: "PEN")!)

    @Test func eventsApplyByTheTable() {
        #expect(EventDecision.decide(current: .requiresAction, reported: .succeeded, amount: pen, reportedAmount: pen) == .apply(.succeeded))
        #expect(EventDecision.decide(current: .requiresAction, reported: .succeeded, amount: pen, reportedAmount: nil) == .apply(.succeeded))
    }

    @Test func lateEventsNeverRegressATerminalPayment() {
        guard case .ignore(let reason) = EventDecision.decide(current: .succeeded, reported: .requiresAction, amount: pen, reportedAmount: pen) else {
            Issue.record("a pending event after succeeded must be ignored")
            return
        }
        #expect(reason.contains("terminal"))
        #expect(EventDecision.decide(current: .expired, reported: .succeeded, amount: pen, reportedAmount: pen) != .apply(.succeeded))
        #expect(EventDecision.decide(current: .succeeded, reported: .succeeded, amount: pen, reportedAmount: pen)
            == .ignore("payment is already succeeded"))
    }

    @Test func anAmountMismatchIsFlaggedNotApplied() {
        let other = Money(minorUnits: 100, currency: Currency(code: "PEN")!)
        guard case .review = EventDecision.decide(current: .requiresAction, reported: .succeeded, amount: pen, reportedAmount: other) else {
            Issue.record("expected review")
            return
        }
        let dollars = Money(minorUnits: 15000, currency: Currency(code: "USD")!)
        guard case .review = EventDecision.decide(current: .requiresAction, reported: .succeeded, amount: pen, reportedAmount: dollars) else {
            Issue.record("expected review for a currency mismatch")
            return
        }
    }
}
