import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// The merchant-facing JSON of a payment (API.md "Objects"), written with a fixed key order.
public enum PaymentResource {
    public static func json(_ stored: StoredPayment) -> JSONBody {
        let payment = stored.payment
        let request = payment.request
        let metadata: JSONBody = .object(request.metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        let failure: JSONBody = payment.failure.map { reason($0.code, $0.message) } ?? .null
        let review: JSONBody = payment.review.map { reason($0.code, $0.message) } ?? .null
        let captured: JSONBody = payment.status == .succeeded ? money(stored.captured) : .null
        let pendingCapture: JSONBody = payment.pendingCapture.map(money) ?? .null
        let expiresAt: JSONBody = payment.expiresAt.map { .string(Timestamps.utc($0)) } ?? .null
        let identity: [(String, JSONBody?)] = [
            ("id", .string(payment.id)),
            ("object", .string("payment")),
            ("livemode", .bool(payment.livemode)),
            ("status", .string(payment.status.rawValue)),
            ("amount", money(request.amount)),
            ("country", .string(request.country)),
            ("payment_method", method(request.method)),
            ("order_id", .string(request.orderId)),
            ("description", optional(request.description)),
            ("customer", customer(request.customer)),
            ("metadata", metadata),
            ("notification_url", optional(request.notificationURL)),
            ("return_url", optional(request.returnURL)),
        ]
        let state: [(String, JSONBody?)] = [
            ("connection", optional(payment.connection)),
            ("psp_payment_id", optional(payment.pspPaymentId)),
            ("next_action", payment.nextAction.map(nextAction) ?? .null),
            ("attempts", .array(stored.attempts.map(attempt))),
            ("capture", .string(request.capture.rawValue)),
            ("amount_captured", captured),
            ("pending_capture", pendingCapture),
            ("pending_cancel", .bool(payment.pendingCancel != nil)),
            ("amount_refunded", money(stored.amountRefunded)),
            ("failure", failure),
            ("late_payment", .bool(payment.latePayment)),
            ("review", review),
            ("expires_at", expiresAt),
            ("rule", optional(payment.rule)),
            ("config_version", optional(payment.configVersion)),
            ("created_at", .string(Timestamps.utc(payment.createdAt))),
            ("updated_at", .string(Timestamps.utc(payment.updatedAt))),
        ]
        return .fields(identity + state)
    }

    static func reason(_ code: String, _ message: String) -> JSONBody {
        .object([("code", .string(code)), ("message", .string(message))])
    }

    /// A list page: `{"object":"list","data":[...],"has_more":false}`.
    public static func list(_ payments: [StoredPayment], hasMore: Bool) -> JSONBody {
        .fields([("object", .string("list")), ("data", .array(payments.map(json))), ("has_more", .bool(hasMore))])
    }

    static func optional(_ text: String?) -> JSONBody { text.map(JSONBody.string) ?? .null }

    static func money(_ money: Money) -> JSONBody {
        .object([("value", .number(String(money.minorUnits))), ("currency", .string(money.currency.code))])
    }

    static func method(_ method: PaymentMethod) -> JSONBody {
        switch method {
        case .cash(let network): .fields([("type", .string("cash")), ("network", JSONBody.string(network))])
        case .bankTransfer(let bank): .fields([("type", .string("bank_transfer")), ("bank", JSONBody.string(bank))])
        // The token is the PSP's; only its last characters are shown back.
        case .card(let token): .object([("type", .string("card")), ("token_last4", .string(String(token.suffix(4))))])
        }
    }

    static func customer(_ customer: Customer) -> JSONBody {
        .fields([
            ("name", .string(customer.name)),
            ("email", .string(customer.email)),
            ("document", customer.document.map { .object([("type", .string($0.type)), ("number", .string($0.number))]) }),
        ])
    }

    /// A voucher's expiry is written in Lima time, as the payer reads it.
    static func nextAction(_ action: NextAction) -> JSONBody {
        switch action {
        case .displayVoucher(let code, let barcode, let url, let expiresAt):
            .fields([
                ("type", .string("display_voucher")),
                ("code", .string(code)),
                ("barcode", JSONBody.string(barcode)),
                ("voucher_url", JSONBody.string(url)),
                ("expires_at", expiresAt.map { .string(Timestamps.lima($0)) } ?? .null),
            ])
        case .redirect(let url):
            .object([("type", .string("redirect")), ("url", .string(url))])
        }
    }

    static func attempt(_ attempt: Attempt) -> JSONBody {
        var error: JSONBody = .null
        if attempt.errorCode != nil || attempt.errorMessage != nil {
            error = .fields([("code", JSONBody.string(attempt.errorCode)), ("message", JSONBody.string(attempt.errorMessage))])
        }
        return .fields([
            ("id", .string(attempt.id)),
            ("connection", .string(attempt.connection)),
            ("psp_payment_id", optional(attempt.pspPaymentId)),
            ("outcome", .string(attempt.outcome.rawValue)),
            ("psp_status", optional(attempt.pspStatus)),
            ("decline_class", attempt.declineClass.map { .string($0.rawValue) }),
            ("failure_class", attempt.failureClass.map { .string($0.rawValue) }),
            ("error", error),
            ("rule", optional(attempt.rule)),
            ("config_version", optional(attempt.configVersion)),
            ("started_at", .string(Timestamps.utc(attempt.startedAt))),
            ("duration_ms", attempt.durationMs.map { .number(String($0)) } ?? .null),
        ])
    }
}

/// The JSON error object: `{"error": {"type", "code", "message", "param"}}`.
public enum ErrorResource {
    public static func json(_ error: APIError) -> JSONBody {
        .object([("error", .fields([
            ("type", .string(error.type)),
            ("code", .string(error.code)),
            ("message", .string(error.message)),
            ("param", error.param.map(JSONBody.string) ?? .null),
        ]))])
    }
}

extension PaymentResource {
    /// An attempt with every PSP call made for it, for the API and `pasarela payments show`.
    public static func attemptDetail(_ attempt: Attempt, of paymentId: String, calls: [RecordedCall]) -> JSONBody {
        guard case .object(var fields) = Self.attempt(attempt) else { return Self.attempt(attempt) }
        fields.insert(("object", .string("attempt")), at: 1)
        fields.append(("payment_id", .string(paymentId)))
        fields.append(("calls", .array(calls.map { .raw($0.transcript) })))
        return .object(fields)
    }
}
