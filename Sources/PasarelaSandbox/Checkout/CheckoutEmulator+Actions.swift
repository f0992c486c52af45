import Foundation

/// What `POST /payments/{id}/captures|voids|refunds` read: an amount in minor units (all that is left when absent) and
/// the merchant's reference.
struct CheckoutEmulatorActionRequest: Decodable {
    var amount: Int64?
    var reference: String?
}

extension CheckoutEmulator {
    enum ActionKind: String {
        case capture = "Capture", void = "Void", refund = "Refund"
    }

    /// `POST /payments/{id}/captures|voids|refunds` (2.3): 202 `{action_id, reference, _links}`, then the action's
    /// webhook. The idempotency key replays like a payment request's; a refusal is not stored against it.
    func act(_ kind: ActionKind, on id: String, headers: [(name: String, value: String)], body: [UInt8]) async -> (Int, [UInt8]) {
        guard authorized(headers) else { return (401, CheckoutEmulatorError.unauthorized.body) }
        let key = Self.header("Cko-Idempotency-Key", in: headers).map { "\(kind.rawValue.lowercased()):\(id):\($0)" }
        if let key, let earlier = claim(key) { return earlier }
        let done: (action: CheckoutEmulatedAction, event: String)
        do throws(CheckoutEmulatorError) {
            let request: CheckoutEmulatorActionRequest
            do { request = try JSONDecoder().decode(CheckoutEmulatorActionRequest.self, from: Data(body.isEmpty ? Array("{}".utf8) : body)) } catch {
                throw CheckoutEmulatorError.invalid("request_body_invalid")
            }
            if let reference = request.reference, reference.count > 80 { throw CheckoutEmulatorError.invalid("reference_invalid") }
            if let amount = request.amount, amount <= 0 { throw CheckoutEmulatorError.invalid("amount_invalid") }
            let settings = settings.withLock { $0 }
            let now = EmulatorClock.checkout(now())
            done = try state.withLock { state throws(CheckoutEmulatorError) in
                guard var payment = state.payments[id] else { throw .notFound("payment_not_found") }
                let result = try Self.apply(kind, request, to: &payment, settings: settings, processedOn: now)
                state.payments[id] = payment
                return result
            }
        } catch {
            if let key { state.withLock { _ = $0.idempotency.removeValue(forKey: key) } }
            return (error.http, error.body)
        }
        record(id)
        var answer: [String: Any] = ["action_id": done.action.id, "_links": ["payment": ["href": "\(publicURL.withLock { $0 })/payments/\(id)"]]]
        if let reference = done.action.reference { answer["reference"] = reference }
        let reply = Self.encode(answer)
        if let key { remember(key, status: 202, body: reply) }
        Task { _ = await self.announce(id, done.event, action: done.action) }
        return (202, reply)
    }

    /// One action on a payment: what it does to the balances and status, and the event that announces it.
    static func apply(_ kind: ActionKind, _ request: CheckoutEmulatorActionRequest, to payment: inout CheckoutEmulatedPayment,
                      settings: Settings, processedOn: String) throws(CheckoutEmulatorError) -> (action: CheckoutEmulatedAction, event: String) {
        var action = CheckoutEmulatedAction(id: EmulatorIds.checkout("act"), type: kind.rawValue, amount: 0, approved: true,
                                            reference: request.reference, responseCode: "10000", responseSummary: "Approved",
                                            processedOn: processedOn)
        let event: String
        switch kind {
        case .capture:
            guard payment.status == "Authorized" else { throw .notAllowed("capture_not_allowed") }
            action.amount = request.amount ?? payment.amount
            guard action.amount <= payment.amount else { throw .invalid("capture_value_greater_than_authorized") }
            if settings.declineCaptures {
                action.decline()
                event = "payment_capture_declined"
            } else {
                payment.captured = action.amount
                event = "payment_captured"
            }
        case .void:
            guard payment.status == "Authorized" else { throw .notAllowed("payment_not_voidable") }
            action.amount = payment.amount
            if settings.declineVoids {
                // Accepted (202), then declined by the acquirer: the payment stays Authorized.
                action.decline()
                event = "payment_void_declined"
            } else {
                payment.status = "Voided"
                event = "payment_voided"
            }
        case .refund:
            let available = payment.captured - payment.refunded
            guard available > 0 else { throw .notAllowed("refund_not_allowed") }
            action.amount = request.amount ?? available
            guard action.amount <= available else { throw .invalid("refund_amount_exceeds_balance") }
            if settings.declineRefunds {
                action.decline()
                event = "payment_refund_declined"
            } else {
                payment.refunded += action.amount
                event = "payment_refunded"
            }
        }
        payment.actions.append(action)
        payment.settleStatus()
        return (action, event)
    }

    /// `GET /payments/{id}/actions`: the payment's actions, newest first.
    func actions(of id: String, headers: [(name: String, value: String)]) -> (Int, [UInt8]) {
        guard authorized(headers) else { return (401, CheckoutEmulatorError.unauthorized.body) }
        guard let payment = state.withLock({ $0.payments[id] }) else { return (404, CheckoutEmulatorError.notFound("payment_not_found").body) }
        let list = payment.actions.reversed().map(\.json)
        return (200, Array((try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()))
    }
}

extension CheckoutEmulatedAction {
    /// The acquirer refused the action.
    mutating func decline() {
        approved = false
        responseCode = "20057"
        responseSummary = "Transaction not permitted to cardholder"
    }
}
