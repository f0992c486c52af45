/// A payment with its attempts, oldest attempt first: what the payment machine reads and what the store keeps.
public struct StoredPayment: Sendable, Equatable {
    public var payment: Payment
    public var attempts: [Attempt]

    public init(payment: Payment, attempts: [Attempt]) {
        self.payment = payment
        self.attempts = attempts
    }

    /// The attempt with this id.
    public func attempt(_ id: String) -> Attempt? { attempts.first { $0.id == id } }

    /// The latest attempt: the one that took the payment, or is trying to.
    public var lastAttempt: Attempt? { attempts.last }
}
