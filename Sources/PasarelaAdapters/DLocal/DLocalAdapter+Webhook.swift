import Foundation
import PasarelaCore

extension DLocalAdapter {
    /// Verifies a dLocal notification (1.10): `Authorization: V2-HMAC-SHA256, Signature: <hex>` over our
    /// X-Login + the received `X-Date` + the raw body, keyed with the secret key. The body is the full
    /// payment object; its dedupe key is the payment id plus the status code.
    public func parseWebhook(_ message: InboundMessage, context: AdapterContext) throws(WebhookError) -> [PSPEvent] {
        guard let authorization = message.header("Authorization") else {
            throw .unauthenticated("missing Authorization header")
        }
        guard let date = message.header("X-Date") else { throw .unauthenticated("missing X-Date header") }
        guard DLocalSignature.presentedSignature(in: authorization) != nil else {
            throw .unauthenticated("Authorization header is not 'V2-HMAC-SHA256, Signature: <hex>'")
        }
        guard DLocalSignature.verify(authorization: authorization, login: context.credentials["login"], date: date,
                                     body: message.body, secretKey: context.credentials["secret_key"]) else {
            throw .unauthenticated("signature does not match")
        }
        guard let payment = try? JSONDecoder().decode(DLocalPayment.self, from: Data(message.body)) else {
            throw .malformed("body is not a dLocal payment object with id and status")
        }
        guard let status = DLocalStatus(rawValue: payment.status) else {
            throw .malformed("unknown dLocal status '\(payment.status.prefix(30))'")
        }
        var amount: Money?
        if let value = payment.amount, let code = payment.currency, let currency = Currency(code: code) {
            amount = Money(majorUnits: "\(value)", currency: currency)
        }
        let code = payment.statusCode.map { String($0.value) } ?? payment.status
        let event = PSPEvent(pspPaymentId: payment.id, status: status.unified(payerMustAct: nextAction(of: payment) != nil),
                             pspStatus: payment.status, reference: payment.orderId, amount: amount,
                             dedupeKey: "\(payment.id):\(code)")
        return [event]
    }
}
