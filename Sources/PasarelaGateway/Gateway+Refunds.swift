import Crypto
import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

extension Gateway {
    /// `POST /v1/payments/{id}/refunds`: gives back all that is left to refund, or `amount` of it, through the connection
    /// that took the payment. The refund joins the payment (pending) by compare-and-set, so refunds never add up to more
    /// than was captured, whatever arrives at once; then its PSP is asked. A refund the PSP refuses is still a refund:
    /// 201 with status `failed` and the PSP's reason.
    public func createRefund(paymentId: String, merchant: Merchant, rawBody: [UInt8], idempotencyKey: String?) async throws -> APIReply {
        guard let stored = try await store.payment(id: paymentId, merchantId: merchant.id) else { throw APIError.missing("payment", id: paymentId) }
        let body = try RefundRequest.parse(rawBody)
        // A key names its refund, so a retry after a crash finds the refund its first request made.
        let refundId = idempotencyKey.map { Self.derivedId("re", merchant: merchant.id, key: $0) } ?? Identifier.make("re")
        let claim: IdempotencyClaim?
        switch try await claimCommand(idempotencyKey, "POST /v1/payments/\(paymentId)/refunds", body: rawBody, stored: stored,
                                      operation: "refund", merchant: merchant, abandoned: {
            // The key's first request died: its refund, as it stands, is the answer; none made means none, so go on.
            guard let refund = try await self.store.refund(id: refundId, merchantId: merchant.id) else { return nil }
            return APIReply(status: 201, body: RefundResource.json(refund).bytes)
        }) {
        case .answer(let reply): return reply
        case .run(let claimed): claim = claimed
        }
        return try await settled(claim, merchant: merchant) {
            try await self.refund(stored, id: refundId, body: body)
        }
    }

    func refund(_ stored: StoredPayment, id: String, body: RefundRequest) async throws -> APIReply {
        let payment = stored.payment
        guard let attempt = stored.lastAttempt, let pspId = attempt.pspPaymentId ?? payment.pspPaymentId,
              let connection = config.connections[attempt.connection] else {
            throw Self.error(for: RefundRefusal.notRefundable(payment.status), payment: payment)
        }
        guard let flow = connection.adapter.refund else { throw Self.error(for: RefundRefusal.unsupported(connection: attempt.connection), payment: payment) }
        if let account = body.bankAccount, let problem = BankAccountRules.problem(account, country: payment.request.country) {
            // Before anything is written or sent: the PSP would refuse it later, or ask the payer again by e-mail.
            throw APIError.invalid("bank_account.\(problem.field)", problem.message, code: "bank_account_invalid")
        }
        let remaining = Money(minorUnits: stored.captured.minorUnits - stored.amountRefunded.minorUnits, currency: payment.request.amount.currency)
        let amount = body.amount ?? remaining
        if let refusal = PaymentMachine.refundCheck(stored, amount: amount) { throw Self.error(for: refusal, payment: payment) }
        guard amount.minorUnits > 0 else { throw Self.error(for: RefundRefusal.exceedsRemaining(remaining: remaining), payment: payment) }
        let at = now()
        let refund = Refund(id: id, paymentId: payment.id, amount: amount, reason: body.reason, connection: connection.config.name,
                            bankAccount: body.bankAccount, createdAt: at, updatedAt: at)
        // The refund is on disk, checked against what is left, before the PSP hears of it.
        // Refunds arriving together are decided one after another on the payment as it stands (see `apply`): a refund
        // beyond what is left by then is refused with what is left then.
        let requested = try await apply(.refundRequested(refund), to: payment.id, current: stored)
        if case .unchanged(.refundRefused(let refusal)) = requested.decision.verdict { throw Self.error(for: refusal, payment: requested.stored.payment) }
        guard requested.result == .committed, requested.stored.refund(id) != nil else {
            // The store's own ceiling check refused what the machine allowed: refunds written past the machine. Say what
            // is left as the store has it now.
            let now = try await store.payment(id: payment.id, merchantId: nil) ?? requested.stored
            let left = Money(minorUnits: max(0, now.captured.minorUnits - now.amountRefunded.minorUnits), currency: amount.currency)
            throw Self.error(for: PaymentMachine.refundCheck(now, amount: amount) ?? .exceedsRemaining(remaining: left), payment: now.payment)
        }
        let input = RefundInput(refund: refund, pspPaymentId: pspId, method: payment.request.method.type,
                                full: amount == stored.captured, now: at)
        let outcome = await psp.call(PSPCall(flow: .refund, build: { context throws(AdapterError) in try flow.buildRefund(input, context: context) },
                                             read: { flow.parseRefund($0, input: input) },
                                             failed: { RefundOutcome(result: $0.outcome == .failed ? .failed : .unknown, errorCode: $0.errorCode,
                                                                     errorMessage: $0.errorMessage) }),
                                     on: connection, about: CallSubject(paymentId: payment.id, attemptId: attempt.id))
        let answered = try await apply(.refundOutcome(refundId: id, outcome: outcome), to: payment.id)
        logger.info("refund", metadata: ["payment": .string(payment.id), "refund": .string(id), "connection": .string(connection.config.name),
                                         "result": .string(outcome.result.rawValue)])
        guard let final = answered.stored.refund(id) else { throw APIError.internalError }
        return APIReply(status: 201, body: RefundResource.json(final).bytes)
    }

    /// `GET /v1/refunds/{id}`.
    public func refund(id: String, merchant: Merchant) async throws -> APIReply {
        guard let refund = try await store.refund(id: id, merchantId: merchant.id) else { throw APIError.missing("refund", id: id) }
        return APIReply(status: 200, body: RefundResource.json(refund).bytes)
    }

    /// `GET /v1/payments/{id}/refunds`, oldest first.
    public func refunds(paymentId: String, merchant: Merchant) async throws -> APIReply {
        guard let stored = try await store.payment(id: paymentId, merchantId: merchant.id) else { throw APIError.missing("payment", id: paymentId) }
        return APIReply(status: 200, body: RefundResource.list(stored.refunds).bytes)
    }

    static func error(for refusal: RefundRefusal, payment: Payment) -> APIError {
        switch refusal {
        case .notRefundable(let status):
            .conflict("payment_not_refundable", "Payment \(payment.id) is \(status.rawValue): only a succeeded payment can be refunded.")
        case .currencyMismatch(let expected, let given):
            .invalid("amount.currency", "The payment is in \(expected); a refund of it cannot be in \(given).", code: "currency_mismatch")
        case .exceedsRemaining(let remaining) where remaining.minorUnits == 0:
            .invalid("amount.value", "Nothing is left to refund on payment \(payment.id): all it captured is refunded or being refunded.",
                     code: "amount_exceeds_remaining")
        case .exceedsRemaining(let remaining):
            .invalid("amount.value", "At most \(remaining.minorUnits) (\(remaining)) is left to refund on payment \(payment.id).",
                     code: "amount_exceeds_remaining")
        case .unsupported(let connection):
            .conflict("refund_unsupported", "\(connection) offers no refunds through its API; refund the payer another way.")
        }
    }

    /// An id of `prefix` that the merchant's idempotency key always yields, so a retry finds what its request made.
    static func derivedId(_ prefix: String, merchant: String, key: String) -> String {
        let digest = Array(SHA256.hash(data: Array("\(merchant)\n\(key)".utf8)))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        return prefix + "_" + String(digest.prefix(24).map { alphabet[Int($0) % alphabet.count] })
    }
}

/// A refund request's body: `{"amount": {"value", "currency"}?, "reason"?, "bank_account"?}`.
struct RefundRequest {
    var amount: Money?
    var reason: String?
    var bankAccount: BankAccount?

    static func parse(_ body: [UInt8]) throws -> RefundRequest {
        guard !body.isEmpty else { return RefundRequest() }
        let json: JSONValue
        do { json = try JSONValue.parse(body, bigIntegers: .keepAsText) } catch {
            throw APIError.malformed("The request body is not valid JSON (byte \(error.offset): \(error.message)).")
        }
        guard case .object(let fields) = json else { throw APIError.malformed("The request body must be a JSON object.") }
        if let unknown = fields.keys.sorted().first(where: { !["amount", "reason", "bank_account"].contains($0) }) {
            throw APIError.invalid(unknown, "Unknown parameter '\(unknown.prefix(40))'.", code: "parameter_unknown")
        }
        var request = RefundRequest()
        if let amount = fields["amount"] { request.amount = try CommandAmount.parse(amount) }
        request.reason = try CommandText.reason(fields["reason"])
        if let account = fields["bank_account"] { request.bankAccount = try parseAccount(account) }
        return request
    }

    static func parseAccount(_ value: JSONValue) throws -> BankAccount {
        guard case .object(let fields) = value else { throw APIError.invalid("bank_account", "bank_account must be an object.") }
        let allowed = ["beneficiary_name", "bank", "number", "type", "branch"]
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError.invalid("bank_account.\(unknown.prefix(40))", "Unknown parameter 'bank_account.\(unknown.prefix(40))'.", code: "parameter_unknown")
        }
        func text(_ key: String, required: Bool = true) throws -> String? {
            guard let value = fields[key] else {
                if required { throw APIError.invalid("bank_account.\(key)", "bank_account.\(key) is required.", code: "parameter_missing") }
                return nil
            }
            guard case .string(let string) = value, (1...100).contains(string.unicodeScalars.count) else {
                throw APIError.invalid("bank_account.\(key)", "bank_account.\(key) must be a string of 1 to 100 characters.")
            }
            return string
        }
        let type = try text("type")!
        guard ["checking", "savings", "interbank"].contains(type) else {
            throw APIError.invalid("bank_account.type", "bank_account.type must be checking, savings or interbank.")
        }
        return BankAccount(beneficiaryName: try text("beneficiary_name")!, bank: try text("bank")!, number: try text("number")!, type: type,
                           branch: try text("branch", required: false))
    }
}

/// Text fields of a command's body.
enum CommandText {
    /// `reason`: absent, or a string of 1 to 200 characters (code points, as JSON Schema counts them).
    static func reason(_ value: JSONValue?) throws -> String? {
        guard let value else { return nil }
        guard case .string(let text) = value, (1...200).contains(text.unicodeScalars.count) else {
            throw APIError.invalid("reason", "reason must be a string of 1 to 200 characters.")
        }
        return text
    }
}

/// `{"value": 1500, "currency": "PEN"}` in a command's body.
enum CommandAmount {
    static func parse(_ value: JSONValue) throws -> Money {
        guard case .object(let fields) = value else { throw APIError.invalid("amount", "amount must be an object with value and currency.") }
        if let unknown = fields.keys.sorted().first(where: { !["value", "currency"].contains($0) }) {
            throw APIError.invalid("amount.\(unknown.prefix(40))", "Unknown parameter 'amount.\(unknown.prefix(40))'.", code: "parameter_unknown")
        }
        guard case .string(let code)? = fields["currency"], let currency = Currency(code: code) else {
            throw APIError.invalid("amount.currency", "amount.currency must be a supported ISO-4217 code.", code: "currency_not_supported")
        }
        guard let value = fields["value"] else {
            throw APIError.invalid("amount.value", "amount.value is required.", code: "parameter_missing")
        }
        return try PaymentRequest.parseAmount(value, currency: currency)
    }
}
