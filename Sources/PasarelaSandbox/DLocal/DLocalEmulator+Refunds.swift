import Foundation

extension DLocalEmulator {
    /// `POST /refunds` (1.8): a refund of a PAID payment, full without `amount` and `currency` (both or neither), never
    /// more than what is left. Our `id` is the refund's; a repeated one is 5011 (or, with `honour_idempotency_key`, the
    /// same `X-Idempotency-Key` gets the first answer). It starts PENDING; a card refund, or a cash one that names the
    /// payer's bank account, succeeds at once after the answer unless refunds are held.
    func createRefund(headers: [(name: String, value: String)], body: [UInt8]) throws(EmulatorError) -> EmulatedRefund {
        try authenticate(headers: headers, body: body)
        let key = headers.first { $0.name.lowercased() == "x-idempotency-key" }?.value
        let request = try Self.decode(EmulatorRefundRequest.self, body)
        if key != nil, honoursIdempotencyKey.withLock({ $0 }), let id = request.id, let earlier = state.withLock({ $0.refunds[id] }) {
            return earlier
        }
        guard let paymentId = request.paymentId, !paymentId.isEmpty else { throw .missing("payment_id") }
        guard let notificationUrl = request.notificationUrl, notificationUrl.hasPrefix("http") else { throw .missing("notification_url") }
        guard (request.amount == nil) == (request.currency == nil) else { throw .missing(request.amount == nil ? "amount" : "currency") }
        let given = request.bankFields.filter { $0.value?.isEmpty == false }
        if !given.isEmpty, let missing = request.bankFields.first(where: { $0.value?.isEmpty != false }) { throw .missing(missing.name) }
        if let type = request.bankAccountType, !["C", "S", "I"].contains(type) { throw .missing("bank_account_type") }
        if let id = request.id, id.isEmpty || id.count > 100 { throw .missing("id") }
        let created = EmulatorClock.format(now())
        let holds = holdsRefunds.withLock { $0 }
        let result: Result<EmulatedRefund, EmulatorError> = state.withLock { state in
            guard let payment = state.payments[paymentId] else { return .failure(.paymentNotFound) }
            guard payment.status == "PAID" else { return .failure(.invalidStatus) }
            if let currency = request.currency, currency != payment.currency {
                return .failure(EmulatorError(http: 400, code: 5004, message: "Currency not allowed for this payment"))
            }
            if let amount = request.amount, amount <= 0 || !Self.fits(amount, decimals: Self.decimals[payment.currency] ?? 2) {
                return .failure(.missing("amount"))
            }
            let refunded = state.refunds.values.filter { $0.paymentId == paymentId && $0.counts }.reduce(Decimal(0)) { $0 + $1.amount }
            let amount = request.amount ?? payment.amount - refunded
            guard amount > 0, refunded + amount <= payment.amount else {
                return .failure(EmulatorError(http: 400, code: 5007, message: "Amount exceeded"))
            }
            let id = request.id ?? "REF-" + UUID().uuidString.lowercased()
            guard state.refunds[id] == nil else { return .failure(EmulatorError(http: 400, code: 5011, message: "Duplicated refund id")) }
            let refund = EmulatedRefund(id: id, paymentId: paymentId, amount: amount, amountRefunded: 0, currency: payment.currency,
                                        status: "PENDING", statusCode: 100, statusDetail: "The refund is pending.", createdDate: created,
                                        notificationUrl: notificationUrl,
                                        hasBankAccount: payment.paymentMethodType == "CARD" || !given.isEmpty)
            state.refunds[id] = refund
            state.refundOrder.append(id)
            return .success(refund)
        }
        let refund = try result.get()
        record(refund)
        if refund.hasBankAccount, !holds {
            Task { _ = try? await self.endRefund(refund.id, as: .succeed) }
        }
        return refund
    }

    /// Every refund in the ledger, oldest first.
    public var refunds: [EmulatedRefund] { state.withLock { state in state.refundOrder.compactMap { state.refunds[$0] } } }

    /// `GET /refunds/{id}`.
    func refund(id: String, headers: [(name: String, value: String)]) throws(EmulatorError) -> EmulatedRefund {
        try authenticate(headers: headers, body: [])
        guard let refund = state.withLock({ $0.refunds[id] }) else { throw EmulatorError(http: 404, code: 4000, message: "Refund not found") }
        return refund
    }

    /// A PENDING refund ends (sandbox control, or at once for a card); its notification goes to its own URL.
    /// - Throws: 404 for an unknown id, 5002 when it is no longer PENDING.
    @discardableResult
    public func endRefund(_ id: String, as ending: EmulatedRefund.Ending) async throws(EmulatorError) -> WebhookSender.Delivery {
        let result: Result<EmulatedRefund, EmulatorError> = state.withLock { state in
            guard var refund = state.refunds[id] else { return .failure(EmulatorError(http: 404, code: 4000, message: "Refund not found")) }
            guard refund.status == "PENDING" else { return .failure(.invalidStatus) }
            refund.end(ending)
            state.refunds[id] = refund
            return .success(refund)
        }
        let refund = try result.get()
        record(refund)
        return await notify(refund: refund)
    }

    func record(_ refund: EmulatedRefund) { journal.withLock { $0?.append("refund", refund) } }

    static func encode(_ refund: EmulatedRefund) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(refund)) ?? Data())
    }
}
