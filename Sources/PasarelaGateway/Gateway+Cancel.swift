import Crypto
import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Gateway {
    /// `POST /v1/payments/{id}/cancel`: cancels an unpaid voucher or voids an uncaptured card payment at its PSP, then
    /// states the PSP's confirmation as a fact: 200 with the payment `canceled`. A PSP that confirms later (Checkout's
    /// void) answers 202: the payment stays `authorized` with `pending_cancel` until the PSP's notification or a lookup
    /// confirms it, or its refusal clears it (`payment.cancel_failed`). A payment that is paid, ended or not yet settled
    /// is refused with 409; a PSP that gives no answer leaves the payment as it was (502, safe to retry with the same key).
    /// - Parameters:
    ///   - rawBody: empty, or `{"reason": "..."}`.
    public func cancelPayment(id: String, merchant: Merchant, rawBody: [UInt8], idempotencyKey: String?) async throws -> APIReply {
        guard let stored = try await store.payment(id: id, merchantId: merchant.id) else { throw APIError.missing("payment", id: id) }
        try Self.checkCancelBody(rawBody)
        let claim: IdempotencyClaim?
        switch try await claimCommand(idempotencyKey, "POST /v1/payments/\(id)/cancel", body: rawBody, stored: stored, operation: "cancel",
                                      merchant: merchant, abandoned: { try await self.currentReply(id, merchant: merchant, status: 200) }) {
        case .answer(let reply): return reply
        case .run(let claimed): claim = claimed
        }
        return try await settled(claim, merchant: merchant) { try await self.cancel(stored) }
    }

    func cancel(_ stored: StoredPayment) async throws -> APIReply {
        let payment = stored.payment
        let attempt: Attempt
        switch PaymentMachine.cancellation(of: stored) {
        case .allowed(let allowed): attempt = allowed
        case .refused(let refusal): throw Self.error(for: refusal, payment: payment)
        }
        guard let connection = config.connections[attempt.connection], let flow = connection.adapter.cancel,
              flow.cancels(payment.request.method.type, status: payment.status) else {
            throw Self.error(for: CancelRefusal.unsupported(connection: attempt.connection), payment: payment)
        }
        let pspId = attempt.pspPaymentId ?? payment.pspPaymentId ?? ""
        // The intent is on disk before the PSP hears of it, so its confirmation, whichever way it comes first, ends the
        // payment canceled by the merchant.
        let requested = try await apply(.cancelRequested(.merchant), to: payment.id, current: stored)
        guard requested.stored.payment.pendingCancel == .merchant else {
            // It moved meanwhile (paid, ended): no cancel goes to the PSP.
            throw Self.error(for: PaymentMachine.cancellation(of: requested.stored).refusal ?? .alreadyEnded(requested.stored.payment.status),
                             payment: requested.stored.payment)
        }
        let answer = await psp.cancel(attempt, pspPaymentId: pspId, connection: connection)
        switch answer {
        case .canceled, .accepted: break
        case .refused, .failed: _ = try await apply(.cancelAbandoned, to: payment.id)
        }
        switch answer {
        case .accepted:
            // Asked, not done: the PSP confirms (or declines) later. The payment shows the cancel pending until then.
            logger.info("payment cancel asked", metadata: ["payment": .string(payment.id), "connection": .string(connection.config.name)])
            guard let current = try await store.payment(id: payment.id, merchantId: nil) else { throw GatewayFailure.paymentVanished(payment.id) }
            return APIReply(status: current.payment.status == .canceled ? 200 : 202, body: PaymentResource.json(current).bytes)
        case .canceled:
            let applied = try await apply(.canceledByMerchant, to: payment.id)
            logger.info("payment canceled", metadata: ["payment": .string(payment.id), "connection": .string(connection.config.name)])
            guard applied.stored.payment.status == .canceled else {
                throw Self.error(for: PaymentMachine.cancellation(of: applied.stored).refusal ?? .alreadyEnded(applied.stored.payment.status),
                                 payment: applied.stored.payment)
            }
            return APIReply(status: 200, body: PaymentResource.json(applied.stored).bytes)
        case .refused(let code, let message):
            // The PSP will not cancel: learn why (paid meanwhile?) and tell the merchant the payment as it is.
            let inquiry = await psp.inquire(attempt, payment: payment, connection: connection, timeoutMs: connection.config.requestTimeoutMs)
            if case .found(let outcomes) = inquiry.answer {
                let applied = try await apply(.lookupFound(attemptId: attempt.id, answer: outcomes[0]), to: payment.id)
                if applied.stored.payment.status == .succeeded { throw Self.error(for: .alreadySucceeded, payment: applied.stored.payment) }
            }
            throw APIError.conflict("cancel_refused", "\(connection.config.name) refused to cancel the payment (\(code ?? "-"): \(message.prefix(200))).")
        case .failed(_, let message):
            throw APIError.pspUnavailable("\(connection.config.name) did not confirm the cancel (\(message.prefix(200))); nothing changed. Retry with the same Idempotency-Key.")
        }
    }

    static func error(for refusal: CancelRefusal, payment: Payment) -> APIError {
        switch refusal {
        case .alreadySucceeded:
            .conflict("payment_already_succeeded", "Payment \(payment.id) is paid and cannot be canceled; refund it instead.")
        case .alreadyEnded(let status):
            .conflict("payment_not_cancelable", "Payment \(payment.id) is already \(status.rawValue).")
        case .outcomeUnknown:
            .conflict("payment_processing", "Payment \(payment.id) is processing: its PSP's outcome is not known yet. Retry once it has settled.")
        case .noPSPPayment:
            .conflict("payment_not_cancelable", "Payment \(payment.id) holds no PSP payment to cancel.")
        case .unsupported(let connection):
            .conflict("cancel_unsupported", "\(connection) cannot cancel a \(payment.request.method.type.rawValue) payment that is \(payment.status.rawValue).")
        }
    }

    /// The cancel body: nothing, `{}`, or `{"reason": "..."}` (at most 200 characters, kept in the logs).
    static func checkCancelBody(_ body: [UInt8]) throws {
        guard !body.isEmpty else { return }
        let json: JSONValue
        do { json = try JSONValue.parse(body, bigIntegers: .keepAsText) } catch {
            throw APIError.malformed("The request body is not valid JSON (byte \(error.offset): \(error.message)).")
        }
        guard case .object(let fields) = json else { throw APIError.malformed("The request body must be a JSON object.") }
        if let unknown = fields.keys.sorted().first(where: { $0 != "reason" }) {
            throw APIError.invalid(unknown, "Unknown parameter '\(unknown.prefix(40))'.", code: "parameter_unknown")
        }
        _ = try CommandText.reason(fields["reason"])
    }
}

extension CancelCheck {
    var refusal: CancelRefusal? { if case .refused(let refusal) = self { refusal } else { nil } }
}
