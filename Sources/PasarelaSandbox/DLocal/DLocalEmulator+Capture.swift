import Foundation

extension DLocalEmulator {
    /// `POST /payments` with `authorization_id` (1.4): captures an AUTHORIZED card payment for `amount` (all of it when
    /// absent) under an `order_id` of its own. The answer is the payment, now PAID, and its notification follows.
    func capture(_ authorizationId: String, _ request: EmulatorCreateRequest, key: String?) throws(EmulatorError) -> EmulatedPayment {
        guard let orderId = request.orderId, !orderId.isEmpty else { throw .missing("order_id") }
        let moment = EmulatorClock.format(now())
        let result: Result<EmulatedPayment, EmulatorError> = state.withLock { state in
            guard var payment = state.payments[authorizationId] else { return .failure(.paymentNotFound) }
            guard payment.status == "AUTHORIZED" else { return .failure(.invalidStatus) }
            if let currency = request.currency, currency != payment.currency { return .failure(.missing("currency")) }
            let amount = request.amount ?? payment.amount
            guard amount > 0 else { return .failure(.missing("amount")) }
            guard amount <= payment.amount else { return .failure(EmulatorError(http: 400, code: 5007, message: "Amount exceeded")) }
            guard state.orders[orderId] == nil else { return .failure(EmulatorError(http: 400, code: 5009, message: "Order ID duplicated")) }
            state.orders[orderId] = authorizationId
            payment.status = Completion.paid.status
            payment.statusCode = Completion.paid.code
            payment.statusDetail = Completion.paid.detail
            payment.approvedDate = moment
            state.payments[authorizationId] = payment
            if let key { state.idempotencyKeys[key] = authorizationId }
            return .success(payment)
        }
        let payment = try result.get()
        record(payment)
        if let key { journal.withLock { $0?.append("key", KeyRecord(key: key, paymentId: authorizationId)) } }
        Task { _ = await self.notify(authorizationId) }
        return payment
    }
}

