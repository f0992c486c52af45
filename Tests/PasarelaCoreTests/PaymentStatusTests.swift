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
}
