import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Gateway {
    /// `POST /v1/payments/{id}/capture`: captures an authorized card payment, all of it or `amount`, at the PSP that
    /// authorized it. The capture is recorded before the PSP hears of it; a PSP that confirms at once (dLocal) makes the
    /// payment `succeeded` now, one that accepts it for later (Checkout, 202) leaves `pending_capture` until its
    /// `payment_captured`; a refusal leaves the payment authorized (409 `capture_refused`).
    public func capturePayment(id: String, merchant: Merchant, rawBody: [UInt8], idempotencyKey: String?) async throws -> APIReply {
        guard let stored = try await store.payment(id: id, merchantId: merchant.id) else { throw APIError.missing("payment", id: id) }
        let amount = try Self.captureAmount(rawBody)
        let claim: IdempotencyClaim?
        switch try await claimCommand(idempotencyKey, "POST /v1/payments/\(id)/capture", body: rawBody, stored: stored, operation: "capture",
                                      merchant: merchant, abandoned: { try await self.currentReply(id, merchant: merchant, status: 200) }) {
        case .answer(let reply): return reply
        case .run(let claimed): claim = claimed
        }
        let captureId = idempotencyKey.map { Self.derivedId("cap", merchant: merchant.id, key: $0) } ?? Identifier.make("cap")
        return try await settled(claim, merchant: merchant) { try await self.capture(stored, amount: amount, captureId: captureId) }
    }

    func capture(_ stored: StoredPayment, amount requested: Money?, captureId: String) async throws -> APIReply {
        let payment = stored.payment
        let amount = requested ?? payment.request.amount
        guard let attempt = stored.lastAttempt, let pspId = attempt.pspPaymentId ?? payment.pspPaymentId,
              let connection = config.connections[attempt.connection] else {
            throw Self.error(for: CaptureRefusal.notAuthorized(payment.status), payment: payment)
        }
        if let refusal = PaymentMachine.captureCheck(stored, amount: amount) { throw Self.error(for: refusal, payment: payment) }
        guard let flow = connection.adapter.capture else {
            throw Self.error(for: CaptureRefusal.unsupported(connection: connection.config.name), payment: payment)
        }
        let requestedCapture = try await apply(.captureRequested(amount), to: payment.id, current: stored)
        guard requestedCapture.stored.payment.pendingCapture == amount else {
            let refusal = PaymentMachine.captureCheck(requestedCapture.stored, amount: amount) ?? .alreadyPending
            throw Self.error(for: refusal, payment: requestedCapture.stored.payment)
        }
        let input = CaptureInput(paymentId: payment.id, pspPaymentId: pspId, attemptId: attempt.id, amount: amount,
                                 full: amount == payment.request.amount, captureId: captureId, now: now())
        let outcome = await psp.call(PSPCall(flow: .capture, build: { context throws(AdapterError) in try flow.buildCapture(input, context: context) },
                                             read: { flow.parseCapture($0, input: input) },
                                             failed: { CaptureOutcome(result: $0.outcome == .failed ? .refused : .unknown, errorCode: $0.errorCode,
                                                                      errorMessage: $0.errorMessage) }),
                                     on: connection, about: CallSubject(paymentId: payment.id, attemptId: attempt.id))
        let answered = try await apply(.captureAnswered(outcome), to: payment.id)
        logger.info("capture", metadata: ["payment": .string(payment.id), "connection": .string(connection.config.name),
                                          "result": .string(outcome.result.rawValue)])
        if outcome.result == .refused {
            throw APIError.conflict("capture_refused", "\(connection.config.name) refused the capture (\(outcome.errorCode ?? "-"): \((outcome.errorMessage ?? "no reason").prefix(200))); the payment stays authorized.")
        }
        return APIReply(status: 200, body: PaymentResource.json(answered.stored).bytes)
    }

    /// The capture body: nothing (all of it), `{}`, or `{"amount": {"value", "currency"}}`.
    static func captureAmount(_ body: [UInt8]) throws -> Money? {
        guard !body.isEmpty else { return nil }
        let json: JSONValue
        do { json = try JSONValue.parse(body, bigIntegers: .keepAsText) } catch {
            throw APIError.malformed("The request body is not valid JSON (byte \(error.offset): \(error.message)).")
        }
        guard case .object(let fields) = json else { throw APIError.malformed("The request body must be a JSON object.") }
        if let unknown = fields.keys.sorted().first(where: { $0 != "amount" }) {
            throw APIError.invalid(unknown, "Unknown parameter '\(unknown.prefix(40))'.", code: "parameter_unknown")
        }
        return try fields["amount"].map(CommandAmount.parse)
    }

    static func error(for refusal: CaptureRefusal, payment: Payment) -> APIError {
        switch refusal {
        case .notAuthorized(let status):
            .conflict("payment_not_capturable", "Payment \(payment.id) is \(status.rawValue): only an authorized card payment can be captured.")
        case .alreadyPending:
            .conflict("capture_pending", "A capture of payment \(payment.id) is already waiting for its PSP's confirmation.")
        case .exceedsAuthorized(let authorized):
            .invalid("amount.value", "At most \(authorized.minorUnits) (\(authorized)) was authorized.", code: "amount_exceeds_authorized")
        case .currencyMismatch(let expected, let given):
            .invalid("amount.currency", "The payment is in \(expected); it cannot be captured in \(given).", code: "currency_mismatch")
        case .unsupported(let connection):
            .conflict("capture_unsupported", "\(connection) cannot capture this payment through its API.")
        }
    }
}
