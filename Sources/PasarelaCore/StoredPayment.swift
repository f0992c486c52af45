/// A payment with its attempts, oldest attempt first: what the payment machine reads and what the store keeps.
public struct StoredPayment: Sendable, Equatable {
    public var payment: Payment
    public var attempts: [Attempt]
    /// The payment's refunds, oldest first.
    public var refunds: [Refund]

    public init(payment: Payment, attempts: [Attempt], refunds: [Refund] = []) {
        self.payment = payment
        self.attempts = attempts
        self.refunds = refunds
    }

    /// The refund with this id.
    public func refund(_ id: String) -> Refund? { refunds.first { $0.id == id } }

    /// What was captured: the amount captured, or the whole amount once the payment succeeded; zero before.
    public var captured: Money {
        guard payment.status == .succeeded else { return Money(minorUnits: 0, currency: payment.request.amount.currency) }
        return payment.amountCaptured ?? payment.request.amount
    }

    /// What refunds not failed add up to: money given back or on its way back.
    public var amountRefunded: Money {
        Money(minorUnits: refunds.filter { $0.status != .failed }.reduce(0) { $0 + $1.amount.minorUnits },
              currency: payment.request.amount.currency)
    }

    /// The attempt with this id.
    public func attempt(_ id: String) -> Attempt? { attempts.first { $0.id == id } }

    /// The latest attempt: the one that took the payment, or is trying to.
    public var lastAttempt: Attempt? { attempts.last }
}
