import Foundation
import Hummingbird
import PasarelaCore
import PasarelaGateway

/// Redeliver, cancel, capture and refund from a payment's page: the same use cases as the API, each with the
/// idempotency key its form was drawn with (a form sent twice is one action), for editors only, audited.
extension ConsoleRoutes {
    func addActions(to router: some RouterMethods<Context>) {
        for action in ["cancel", "capture", "refund", "redeliver"] {
            router.post("/console/payments/:id/\(action)") { request, context in
                let form = ConsoleHTTP.form(try await ConsoleHTTP.body(request))
                return try await guarded(request, csrf: .some(form["csrf"]), editor: true) { session in
                    let id = context.parameters.get("id") ?? ""
                    guard let stored = try await console.gateway.store.payment(id: id, merchantId: nil) else {
                        return ConsoleHTTP.html(.notFound, HTML.page(title: "No such payment", session: session, body: "<p>No such payment.</p>"))
                    }
                    let outcome = await perform(action, on: stored, form: form)
                    try await console.auth.audit(session.person.name, "payment.\(action)", id, outcome.detail)
                    return ConsoleHTTP.redirect("/console/payments/\(HTML.query(id))?done=" + HTML.query(outcome.message))
                }
            }
        }
    }

    struct ActionOutcome {
        var message: String
        var detail: String
    }

    func perform(_ action: String, on stored: StoredPayment, form: [String: String]) async -> ActionOutcome {
        let payment = stored.payment
        let merchant = Merchant(id: payment.merchantId, livemode: payment.livemode)
        let key = (form["idempotency_key"] ?? "").isEmpty ? nil : form["idempotency_key"]
        let currency = payment.request.amount.currency
        var amount: Money?
        if let text = form["amount"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            guard let money = Money(majorUnits: text, currency: currency), money.minorUnits > 0 else {
                return ActionOutcome(message: "Refused: \(text) is not an amount in \(currency.code).", detail: "bad amount \(text)")
            }
            amount = money
        }
        let fingerprint = "\(action)|\(amount?.minorUnits ?? -1)|\(form["reason"] ?? "")"
        let idempotency = key.map { IdempotencyKey(key: "console_" + $0, fingerprint: fingerprint) }
        do {
            switch action {
            case "cancel":
                let answer = try await console.gateway.cancel(CancelPaymentCommand(paymentId: payment.id, merchant: merchant, idempotency: idempotency))
                return ActionOutcome(message: Self.said(answer) { $0.confirmed ? "Canceled." : "Cancel sent; the PSP confirms it later." }, detail: "")
            case "capture":
                let answer = try await console.gateway.capture(CapturePaymentCommand(paymentId: payment.id, merchant: merchant, amount: amount,
                                                                                     idempotency: idempotency))
                return ActionOutcome(message: Self.said(answer) { "Capture: payment \($0.payment.status.rawValue)." },
                                     detail: amount.map { "amount \($0.minorUnits)" } ?? "whole amount")
            case "refund":
                let reason = form["reason"].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
                let answer = try await console.gateway.refund(RefundPaymentCommand(paymentId: payment.id, merchant: merchant, amount: amount,
                                                                                   reason: reason, bankAccount: nil, idempotency: idempotency))
                return ActionOutcome(message: Self.said(answer) { "Refund \($0.id): \($0.status.rawValue)." },
                                     detail: (amount.map { "amount \($0.minorUnits)" } ?? "whole amount") + (reason.map { ", reason \($0)" } ?? ""))
            default:
                let event = form["event"] ?? ""
                _ = try await console.gateway.reads.redeliver(id: event, merchant: merchant)
                return ActionOutcome(message: "Event \(event) queued for delivery again.", detail: "event \(event)")
            }
        } catch let error as CommandError {
            let api = HTTPMapping.error(error)
            return ActionOutcome(message: "Refused: \(api.message)", detail: "refused: \(api.code)")
        } catch let error as APIError {
            return ActionOutcome(message: "Refused: \(error.message)", detail: "refused: \(error.code)")
        } catch {
            console.logger.error("console action failed", metadata: ["action": .string(action), "error": .string("\(type(of: error))")])
            return ActionOutcome(message: "Failed: the gateway could not do it now; nothing was changed by the console.", detail: "error \(type(of: error))")
        }
    }

    static func said<Value>(_ answer: CommandAnswer<Value>, _ done: (Value) -> String) -> String {
        switch answer {
        case .done(let value): done(value)
        case .replayed: "Already done with this form (the same idempotency key): nothing sent again."
        }
    }
}
