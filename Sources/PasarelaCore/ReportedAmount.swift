/// An amount a PSP states in an answer or a notification, read exactly or not at all.
public enum ReportedAmount: Sendable, Equatable {
    /// The PSP said nothing about the amount.
    case absent
    case exact(Money)
    /// The PSP sent an amount Pasarela could not read as money of a known currency; the text is kept for operators.
    case unreadable(String)

    /// The amount when it was read.
    public var money: Money? { if case .exact(let money) = self { money } else { nil } }
}
