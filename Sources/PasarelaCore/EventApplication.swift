/// What to do with a verified PSP event for a known payment: the state machine's verdict.
public enum EventDecision: Sendable, Equatable {
    /// Move the payment to this status.
    case apply(PaymentStatus)
    /// Record the event but change nothing, for this reason (late, duplicate state, would regress).
    case ignore(String)
    /// Record the event, change nothing, and flag the payment for an operator.
    case review(String)

    /// Decides how an event moves a payment, by the transition table.
    /// - Parameters:
    ///   - current: the payment's status now.
    ///   - reported: the status the PSP reports.
    ///   - amount: the payment's amount.
    ///   - reportedAmount: the amount the PSP reports, when it says one.
    public static func decide(current: PaymentStatus, reported: PaymentStatus, amount: Money, reportedAmount: Money?) -> EventDecision {
        if let reportedAmount, reportedAmount != amount {
            return .review("PSP reports \(reportedAmount) but the payment is \(amount)")
        }
        if current == reported { return .ignore("payment is already \(current.rawValue)") }
        if current.isTerminal {
            return .ignore("payment is \(current.rawValue), a terminal state; \(reported.rawValue) would regress it")
        }
        guard current.canMove(to: reported) else {
            return .ignore("\(current.rawValue) cannot move to \(reported.rawValue)")
        }
        return .apply(reported)
    }
}
