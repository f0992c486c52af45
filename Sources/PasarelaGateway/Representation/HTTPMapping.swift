import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import PasarelaStore

/// Where the domain meets HTTP, in one place: the status and body each use case's result is answered with, and the
/// ``APIError`` each domain refusal becomes. The server answers through it, and commands store their idempotent replies
/// through it (``replies``), so a replay is byte for byte the first answer.
public enum HTTPMapping {
    /// The renderer the use cases store idempotent replies with.
    public static let replies: any ReplyRendering = Replies()

    struct Replies: ReplyRendering {
        func payment(_ stored: StoredPayment, _ answer: PaymentAnswer) -> StoredReply { HTTPMapping.payment(stored, answer) }
        func refund(_ refund: Refund) -> StoredReply { HTTPMapping.refund(refund) }
        func refusal(_ error: CommandError) -> StoredReply {
            let api = HTTPMapping.error(error)
            return StoredReply(status: api.status, body: ErrorResource.json(api).bytes)
        }
    }

    /// A payment as the answer to a command: 201 created, 200 done, 202 accepted for the PSP to confirm later.
    public static func payment(_ stored: StoredPayment, _ answer: PaymentAnswer) -> StoredReply {
        let status = switch answer {
        case .created: 201
        case .done: 200
        case .accepted: 202
        }
        return StoredReply(status: status, body: PaymentResource.json(stored).bytes)
    }

    public static func refund(_ refund: Refund) -> StoredReply { StoredReply(status: 201, body: RefundResource.json(refund).bytes) }

    /// What a command answered: its result rendered, or the reply its key holds.
    public static func answer<Value>(_ answer: CommandAnswer<Value>, _ render: (Value) -> StoredReply) -> StoredReply {
        switch answer {
        case .done(let value): render(value)
        case .replayed(let reply): reply
        }
    }

    /// A page of the merchant's payments.
    public static func payments(_ page: PaymentReads.Page<StoredPayment>) -> StoredReply {
        StoredReply(status: 200, body: PaymentResource.list(page.items, hasMore: page.hasMore).bytes)
    }

    public static func refunds(_ refunds: [Refund]) -> StoredReply { StoredReply(status: 200, body: RefundResource.list(refunds).bytes) }

    /// A refund as read (a created one answers ``refund(_:)``).
    public static func refundRead(_ refund: Refund) -> StoredReply { StoredReply(status: 200, body: RefundResource.json(refund).bytes) }

    public static func events(_ page: PaymentReads.Page<StoredEvent>) -> StoredReply {
        StoredReply(status: 200, body: EventResource.list(page.items, hasMore: page.hasMore))
    }

    public static func event(_ event: (StoredEvent, NotificationState?)) -> StoredReply {
        StoredReply(status: 200, body: EventResource.detail(event.0, event.1))
    }

    /// An attempt with the transcripts of its PSP calls.
    public static func attempt(_ attempt: Attempt, of paymentId: String, calls: [RecordedCall]) -> StoredReply {
        StoredReply(status: 200, body: PaymentResource.attemptDetail(attempt, of: paymentId, calls: calls).bytes)
    }

    public static func plan(_ plan: RoutePlan) -> StoredReply { StoredReply(status: 200, body: PlanResource.json(plan).bytes) }

    public static func connections(_ rows: [ConnectionResource.Row]) -> StoredReply {
        StoredReply(status: 200, body: ConnectionResource.json(rows).bytes)
    }

    /// The webhook's answer: each event's fate, in order.
    public static func webhook(_ outcomes: [WebhookOutcome]) -> StoredReply {
        StoredReply(status: 200, body: JSONBody.object([("received", .bool(true)),
                                                         ("results", .array(outcomes.map { .string($0.description) }))]).bytes)
    }

    public static func error(_ error: WebhookRefusal) -> APIError {
        switch error {
        case .unknownConnection(let name):
            APIError(status: 404, type: "invalid_request_error", code: "connection_unknown", message: "No connection named '\(name.prefix(40))'.")
        case .sourceNotAllowed:
            APIError(status: 403, type: "authentication_error", code: "source_not_allowed",
                     message: "Webhooks for this connection are not accepted from this address.")
        case .signatureInvalid:
            APIError(status: 401, type: "authentication_error", code: "signature_invalid", message: "The webhook signature is missing or does not verify.")
        case .malformed(let reason):
            APIError(status: 400, type: "invalid_request_error", code: "webhook_malformed", message: reason)
        case .stale(let reason):
            APIError(status: 401, type: "authentication_error", code: "signature_stale",
                     message: "The webhook's signed time is outside the accepted window: \(reason).")
        }
    }

    public static func error(_ error: CommandError) -> APIError {
        switch error {
        case .notFound(let what, let id, let param):
            .missing(what, id: id, param: param ?? "id")
        case .keyInFlight(let paymentId?):
            .idempotency("idempotency_in_flight", "A request with this Idempotency-Key is still being processed (payment \(paymentId)). Retry shortly.")
        case .keyInFlight(nil):
            .idempotency("idempotency_in_flight", "A request with this Idempotency-Key is still being processed. Retry shortly.")
        case .keyReused(let body):
            .idempotency("idempotency_key_reused", "This Idempotency-Key was used with a different request\(body ? " body" : "").")
        case .notificationURLRefused(let reason):
            .invalid("notification_url", "notification_url is not allowed: \(reason).", code: "url_not_allowed")
        case .noConnection(let method, let country, let currency, let rule, let reasons):
            .invalid("payment_method", "No connection can take \(method) in \(country) with \(currency) (rule \(rule)\(reasons.isEmpty ? "" : "; " + reasons)).",
                     code: "payment_method_unavailable")
        case .connectionsPaused(let reasons):
            APIError(status: 503, type: "api_error", code: "connections_unavailable",
                     message: "Every connection for this payment is paused after repeated failures (\(reasons)). Retry shortly.")
        case .cancelRefused(let refusal, let payment): cancel(refusal, payment)
        case .captureRefused(let refusal, let payment): capture(refusal, payment)
        case .refundRefused(let refusal, let payment): refund(refusal, payment)
        case .bankAccountInvalid(let field, let message):
            .invalid("bank_account.\(field)", message, code: "bank_account_invalid")
        case .cancelRefusedByPSP(let connection, let code, let message):
            .conflict("cancel_refused", "\(connection) refused to cancel the payment (\(code ?? "-"): \(message.prefix(200))).")
        case .cancelUnconfirmed(let connection, let message):
            .pspUnavailable("\(connection) did not confirm the cancel (\(message.prefix(200))); nothing changed. Retry with the same Idempotency-Key.")
        case .captureRefusedByPSP(let connection, let code, let message):
            .conflict("capture_refused", "\(connection) refused the capture (\(code ?? "-"): \((message ?? "no reason").prefix(200))); the payment stays authorized.")
        case .noNotificationURL:
            .conflict("notification_url_missing", "This event has no notification URL: set notification_url on the payment or a merchant default.")
        }
    }

    static func cancel(_ refusal: CancelRefusal, _ payment: Payment) -> APIError {
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

    static func capture(_ refusal: CaptureRefusal, _ payment: Payment) -> APIError {
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

    static func refund(_ refusal: RefundRefusal, _ payment: Payment) -> APIError {
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
}
