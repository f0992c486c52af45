import Foundation
import PasarelaCore

/// Checkout.com's unified payments API (PSP-PROTOCOLS.md section 2). Credentials: `secret_key` (sent as
/// `Authorization: Bearer`), `webhook_secret` (the `Cko-Signature` key), optional `processing_channel_id`.
///
/// Every POST carries `Cko-Idempotency-Key` = the attempt id, so a retried attempt replays the first answer
/// instead of charging twice. `reference` is the attempt id too. Amounts are integer minor units.
/// Flows: create, lookup (`GET /payments/{id}`), cancel as a void (`POST /payments/{id}/voids`), capture
/// (`POST /payments/{id}/captures`), refund (`POST /payments/{id}/refunds`), refund lookup (`GET /payments/{id}/actions`),
/// webhook.
public struct CheckoutAdapter: PSPAdapter {
    public let kind = "checkout"
    public let credentials: CheckoutCredentials

    public init(credentials: CheckoutCredentials) { self.credentials = credentials }

    /// The same `Cko-Idempotency-Key` is answered with the payment the first request made (2.2).
    public var replay: CreateReplay { .answersOriginal }

    /// LatAm cash sources (2.4) by country and network.
    static let cashSources: [String: [String?: String]] = [
        "MX": [nil: "oxxo", "oxxo": "oxxo"], "BR": [nil: "boleto", "boleto": "boleto"],
        "AR": [nil: "pagofacil", "pagofacil": "pagofacil", "rapipago": "rapipago"],
    ]

    public func unsupportedReason(_ request: PaymentRequest) -> String? {
        switch request.method {
        case .card: return nil
        case .bankTransfer: return "Checkout has no bank transfer source in this adapter"
        case .cash(let network):
            guard Self.cashSources[request.country]?[network] != nil else {
                return "Checkout has no cash source for \(request.country)\(network.map { " via \($0)" } ?? "") (no PagoEfectivo at Checkout)"
            }
            return nil
        }
    }

    public func buildCreate(_ input: CreateInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        let request = input.request
        if let reason = unsupportedReason(request) { throw .unsupported(reason) }
        let source: JSONBody
        switch request.method {
        case .card(let token):
            source = token.hasPrefix("src_") ? .object([("type", .string("id")), ("id", .string(token))])
                                              : .object([("type", .string("token")), ("token", .string(token))])
        case .cash(let network):
            source = .fields([
                ("type", .string(Self.cashSources[request.country]![network]!)),
                ("integration_type", .string("redirect")),
                ("country", .string(request.country)),
                ("description", .string(String((request.description ?? "Order \(request.orderId)").prefix(100)))),
                ("payer", .fields([
                    ("name", .string(request.customer.name)),
                    ("email", .string(request.customer.email)),
                    ("document", JSONBody.string(request.customer.document?.number)),
                ])),
            ])
        case .bankTransfer:
            throw .unsupported("bank transfer")
        }
        let channel = credentials.processingChannelId
        let body = JSONBody.fields([
            ("source", source),
            ("amount", .number(String(request.amount.minorUnits))),
            ("currency", .string(request.amount.currency.code)),
            ("reference", .string(input.attemptId)),
            ("description", JSONBody.string(request.description.map { String($0.prefix(100)) })),
            ("capture", .bool(request.capture == .automatic)),
            ("customer", .object([("email", .string(request.customer.email)), ("name", .string(request.customer.name))])),
            ("processing_channel_id", JSONBody.string(channel)),
            ("success_url", JSONBody.string(request.returnURL)),
            ("failure_url", JSONBody.string(request.returnURL)),
            ("metadata", .object([("pasarela_payment_id", .string(input.paymentId)), ("order_id", .string(request.orderId))])),
        ]).bytes
        return post("/payments", body: body, idempotencyKey: input.attemptId, context: context)
    }

    /// A POST with the Bearer key, a JSON body and an idempotency key.
    func post(_ path: String, body: [UInt8], idempotencyKey: String, context: AdapterContext) -> OutboundRequest {
        OutboundRequest(method: "POST", url: context.baseURL + path, headers: [
            ("Authorization", "Bearer \(credentials.secretKey)"),
            ("Content-Type", "application/json"),
            ("Cko-Idempotency-Key", idempotencyKey),
        ], body: body)
    }

    /// An amount in minor units with its currency, as Checkout states it.
    static func amount(_ value: Int64?, _ code: String?) -> ReportedAmount {
        guard let value else { return .absent }
        guard let code, let currency = Currency(code: code) else { return .unreadable("\(value) \(code?.prefix(8) ?? "?")") }
        return .exact(Money(minorUnits: value, currency: currency))
    }

    /// A PSP id as one URL path segment.
    static func pathComponent(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["_", "-"])) ?? id
    }

    public func parseCreate(_ response: InboundMessage, input: CreateInput) -> PSPOutcome {
        classify(response)
    }

    func classify(_ response: InboundMessage) -> PSPOutcome {
        if (200..<300).contains(response.status) {
            guard let payment = CheckoutPayment.read(response.body),
                  let raw = payment.status else {
                return .ambiguous(code: nil, message: "Checkout answered \(response.status) with a body that is not a payment")
            }
            guard let status = CheckoutStatus(rawValue: raw) else {
                return PSPOutcome(outcome: .unknown, status: .processing, pspPaymentId: payment.id, pspStatus: raw,
                                  errorMessage: "Checkout status '\(raw.prefix(30))' is not known to Pasarela")
            }
            let action = payment.redirect.map { NextAction.redirect(url: $0) }
            var outcome = PSPOutcome(outcome: status.attemptOutcome, status: status.unified(payerMustAct: action != nil),
                                     pspPaymentId: payment.id, pspStatus: raw, amount: Self.amount(payment.amount, payment.currency))
            if status == .pending || status == .authenticationRequested { outcome.nextAction = action }
            if status == .declined || payment.approved == false && status != .pending {
                outcome.outcome = .declined
                outcome.status = .failed
                outcome.declineClass = CheckoutStatus.declineClass(responseCode: payment.responseCode)
                outcome.errorCode = payment.responseCode
                outcome.errorMessage = payment.responseSummary
            }
            return outcome
        }
        let error = CheckoutErrorBody.read(response.body)
        let requestId = error?.requestId ?? response.header("Cko-Request-Id")
        let codes = error?.errorCodes?.joined(separator: ", ")
        let message = [error?.errorType, codes, error?.message, requestId.map { "request \($0)" }]
            .compactMap { $0 }.joined(separator: "; ")
        let text = message.isEmpty ? "Checkout answered HTTP \(response.status)" : message
        switch response.status {
        case 429: return .notCreated(.rateLimited, code: error?.errorCodes?.first ?? "429", message: text)
        case 504: return .ambiguous(code: "504", message: text)
        case 500..<600: return .notCreated(.http5xx, code: String(response.status), message: text)
        case 404: return .notCreated(.rejected, code: "404", message: text)
        default: return .notCreated(.rejected, code: error?.errorCodes?.first ?? String(response.status), message: text)
        }
    }
}
