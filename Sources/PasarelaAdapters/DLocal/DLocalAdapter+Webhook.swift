import Foundation
import PasarelaCore

extension DLocalAdapter {
    /// The notification's `X-Date`, which its signature covers.
    public func signedAt(_ message: InboundMessage) -> SignedTime {
        guard let text = message.header("X-Date") else { return .absent }
        return Timestamps.parse(text).map(SignedTime.at) ?? .unreadable(String(text.prefix(40)))
    }

    /// Verifies a dLocal notification (1.10): `Authorization: V2-HMAC-SHA256, Signature: <hex>` over our
    /// X-Login + the received `X-Date` + the raw body, keyed with the secret key. The body is the full
    /// payment object (or, for refunds, the refund object); its dedupe key is the id plus the status code. A ticket in it
    /// is the payer's voucher (learnt here when the create reply was lost), and its amount is read exactly or reported
    /// unreadable.
    public func parseWebhook(_ message: InboundMessage, context: AdapterContext) throws(WebhookError) -> [PSPNotification] {
        guard let authorization = message.header("Authorization") else {
            throw .unauthenticated("missing Authorization header")
        }
        guard let date = message.header("X-Date") else { throw .unauthenticated("missing X-Date header") }
        guard DLocalSignature.presentedSignature(in: authorization) != nil else {
            throw .unauthenticated("Authorization header is not 'V2-HMAC-SHA256, Signature: <hex>'")
        }
        guard DLocalSignature.verify(authorization: authorization, login: credentials.login, date: date,
                                     body: message.body, secretKey: credentials.secretKey) else {
            throw .unauthenticated("signature does not match")
        }
        // A refund notification is the refund object: it names the payment it refunds.
        guard let body = try? JSONFields.parse(message.body) else { throw .malformed("body is not a JSON object") }
        if let refund = try? DLocalRefund(body), let paymentId = refund.paymentId {
            let code = refund.statusCode.map(String.init) ?? refund.status
            return [.refund(RefundEvent(pspPaymentId: paymentId, pspRefundId: refund.id, reference: refund.id, outcome: outcome(of: refund),
                                        dedupeKey: "refund:\(refund.id):\(code)"))]
        }
        guard let payment = try? DLocalPayment(body) else {
            throw .malformed("body is not a dLocal payment object with id and status")
        }
        guard let status = DLocalStatus(rawValue: payment.status) else {
            throw .malformed("unknown dLocal status '\(payment.status.prefix(30))'")
        }
        let action = nextAction(of: payment)
        let code = payment.statusCode.map(String.init) ?? payment.status
        let event = PSPEvent(pspPaymentId: payment.id, status: status.unified(payerMustAct: action != nil),
                             pspStatus: payment.status, reference: payment.orderId, amount: amount(of: payment),
                             nextAction: status == .pending ? action : nil, dedupeKey: "\(payment.id):\(code)")
        return [.payment(event)]
    }
}
