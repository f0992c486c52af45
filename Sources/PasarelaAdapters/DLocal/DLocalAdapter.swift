import Foundation
import PasarelaCore

/// The dLocal Payins API v2.1 (PSP-PROTOCOLS.md section 1). Credentials: `login` (X-Login), `trans_key`
/// (X-Trans-Key) and `secret_key` (the HMAC key).
///
/// The dLocal `order_id` is Pasarela's attempt id, so a replayed attempt is refused as a duplicate (5009)
/// instead of charging twice, and a create whose answer was lost is found by it (`GET /orders/{order_id}`). The attempt id
/// is also sent as `X-Idempotency-Key` (2019 docs; unconfirmed today), so that a dLocal honouring it answers the replay
/// with the payment it already holds.
/// Flows: create, lookup (`GET /payments/{id}`, and by order `GET /orders/{order_id}`), cancel (`POST /payments/{id}/cancel`), capture (`POST /payments` with
/// `authorization_id`), refund (`POST /refunds`), refund lookup (`GET /refunds/{id}/status`), webhook (payments and refunds).
/// dLocal has no request field for a ticket's expiry ([U] in 1.5): the expiry is the one dLocal returns.
public struct DLocalAdapter: PSPAdapter {
    public let kind = "dlocal"
    public static let apiVersion = "2.1"
    public static let userAgent = "Pasarela/0.1"
    public let credentials: DLocalCredentials

    public init(credentials: DLocalCredentials) { self.credentials = credentials }

    /// A repeated `order_id` is refused with 5009: the payment exists, and is then looked up by its order.
    public var replay: CreateReplay { .refusedAsDuplicate }

    public func unsupportedReason(_ request: PaymentRequest) -> String? {
        guard DLocalMethods.id(for: request.method, country: request.country) != nil else {
            return "dLocal has no \(request.method.type.rawValue) method for \(request.country) in this adapter"
        }
        return DLocalDocuments.refusal(request)
    }

    public func buildCreate(_ input: CreateInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        let request = input.request
        guard let methodId = DLocalMethods.id(for: request.method, country: request.country) else {
            throw .unsupported(unsupportedReason(request) ?? "unsupported")
        }
        // Routing skips dLocal for such a payer; the adapter refuses it too, whoever calls it.
        if let refusal = DLocalDocuments.refusal(request) { throw .unsupported(refusal) }
        var card: JSONBody?
        if case .card(let token) = request.method {
            // capture: false authorizes only (status AUTHORIZED); the capture comes later (1.4, 1.7).
            card = .fields([("token", .string(token)), ("capture", request.capture == .manual ? .bool(false) : nil)])
        }
        let payer = JSONBody.fields([
            ("name", .string(request.customer.name)),
            ("email", .string(request.customer.email)),
            ("document", JSONBody.string(request.customer.document?.number)),
            ("document_type", JSONBody.string(request.customer.document.flatMap { DLocalDocuments.type(of: $0, country: request.country) })),
        ])
        let body = JSONBody.fields([
            ("amount", .number(request.amount.majorUnitString)),
            ("currency", .string(request.amount.currency.code)),
            ("country", .string(request.country)),
            ("payment_method_id", .string(methodId)),
            ("payment_method_flow", .string("DIRECT")),
            ("payer", payer),
            ("card", card),
            ("order_id", .string(input.attemptId)),
            ("description", JSONBody.string(request.description.map { String($0.prefix(100)) })),
            ("notification_url", .string(context.webhookURL)),
            ("callback_url", JSONBody.string(request.returnURL)),
        ]).bytes
        return signed(method: "POST", path: "/payments", body: body, now: input.now, context: context,
                      extraHeaders: [("X-Idempotency-Key", input.attemptId)])
    }

    public func parseCreate(_ response: InboundMessage, input: CreateInput) -> PSPOutcome {
        classify(response)
    }

    /// A request with dLocal's headers, signed over exactly `body`.
    func signed(method: String, path: String, body: [UInt8], now: Date, context: AdapterContext,
                extraHeaders: [(name: String, value: String)]) -> OutboundRequest {
        let date = Timestamps.utcMillis(now)
        let login = credentials.login
        var headers: [(name: String, value: String)] = [
            ("X-Date", date),
            ("X-Login", login),
            ("X-Trans-Key", credentials.transKey),
            ("X-Version", Self.apiVersion),
            ("User-Agent", Self.userAgent),
            ("Authorization", DLocalSignature.authorization(login: login, date: date, body: body,
                                                            secretKey: credentials.secretKey)),
        ]
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        headers.append(contentsOf: extraHeaders)
        return OutboundRequest(method: method, url: context.baseURL + path, headers: headers, body: body)
    }

    /// Turns any dLocal answer into an outcome. A 2xx that cannot be read is ambiguous: dLocal may have created the payment.
    func classify(_ response: InboundMessage) -> PSPOutcome {
        if (200..<300).contains(response.status) {
            guard let payment = DLocalPayment.read(response.body) else {
                return .ambiguous(code: nil, message: "dLocal answered \(response.status) with a body that is not a payment object")
            }
            return outcome(of: payment)
        }
        let error = DLocalErrorBody.read(response.body)
        let code = error.map { String($0.code) }
        let message = error.map { body in
            [body.message, body.param.map { "param: \($0)" }].compactMap { $0 }.joined(separator: "; ")
        } ?? "dLocal answered HTTP \(response.status) without an error body"
        switch (response.status, error?.code) {
        case (404, _): return .notCreated(.rejected, code: code ?? "4000", message: message)
        case (_, 5009):
            // Order id duplicated: this attempt already reached dLocal, which holds its payment. Look it up by the order.
            return .alreadyHeld(code: code, message: message)
        case (429, _): return .notCreated(.rateLimited, code: code, message: message)
        case (504, _): return .ambiguous(code: code, message: message)
        case (500..<600, _): return .notCreated(.http5xx, code: code, message: message)
        case (_, nil): return .notCreated(.invalidResponse, code: nil, message: message)
        default: return .notCreated(.rejected, code: code, message: message)
        }
    }

    /// The outcome a dLocal payment object describes.
    func outcome(of payment: DLocalPayment) -> PSPOutcome {
        guard let status = DLocalStatus(rawValue: payment.status) else {
            return PSPOutcome(outcome: .unknown, status: .processing, pspPaymentId: payment.id, pspStatus: payment.status,
                              errorMessage: "dLocal status '\(payment.status.prefix(30))' is not known to Pasarela")
        }
        let action = nextAction(of: payment)
        var result = PSPOutcome(outcome: status.attemptOutcome, status: status.unified(payerMustAct: action != nil),
                                pspPaymentId: payment.id, pspStatus: payment.status, amount: amount(of: payment))
        if status == .pending {
            result.nextAction = action
            if case .displayVoucher(_, _, _, let expiry) = action { result.expiresAt = expiry }
        }
        if status == .rejected {
            let code = payment.statusCode ?? 300
            result.declineClass = DLocalStatus.declineClass(statusCode: code)
            result.errorCode = String(code)
            result.errorMessage = payment.statusDetail
        }
        return result
    }

    /// The amount a payment object states, read exactly in its currency's units, or said to be unreadable.
    func amount(of payment: DLocalPayment) -> ReportedAmount {
        guard let text = payment.amount else { return .absent }
        guard let code = payment.currency, let currency = Currency(code: code), let money = Money(majorUnits: text, currency: currency) else {
            return .unreadable("\(text.prefix(30)) \(payment.currency?.prefix(8) ?? "?")")
        }
        return .exact(money)
    }

    /// A ticket becomes a voucher to display; a redirect URL becomes a redirect.
    func nextAction(of payment: DLocalPayment) -> NextAction? {
        if let ticket = payment.ticket, let number = ticket.number {
            let expiry = ticket.expirationDate.flatMap(Timestamps.parse)
            return .displayVoucher(code: number, barcode: ticket.barcode, voucherURL: ticket.imageUrl, expiresAt: expiry)
        }
        if let url = payment.redirectUrl ?? payment.threeDSRedirectUrl ?? payment.bankTransferRedirectUrl {
            return .redirect(url: url)
        }
        if let reference = payment.bankTransferReference {
            return .displayVoucher(code: reference, barcode: nil, voucherURL: nil, expiresAt: nil)
        }
        return nil
    }
}
