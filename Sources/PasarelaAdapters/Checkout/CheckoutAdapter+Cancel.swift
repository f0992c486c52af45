import Foundation
import PasarelaCore

extension CheckoutAdapter: CancelFlow {
    public var cancel: (any CancelFlow)? { self }

    /// Checkout voids authorized card payments (2.3); an APM voucher cannot be canceled through the API.
    public func cancels(_ method: PaymentMethodType, status: PaymentStatus) -> Bool {
        method == .card && status == .authorized
    }

    /// `POST /payments/{id}/voids` with our reference and an idempotency key of its own.
    public func buildCancel(_ target: CancelTarget, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        let body = JSONBody.object([("reference", .string(target.attemptId))]).bytes
        return post("/payments/\(Self.pathComponent(target.pspPaymentId))/voids", body: body,
                    idempotencyKey: "void-\(target.attemptId)", context: context)
    }

    /// 202 with an `action_id` is a void asked for, not done: `payment_voided` (or a lookup finding it Voided) confirms
    /// it, `payment_void_declined` refuses it. 403/404/422 a refusal (captured already, unknown); the rest nothing.
    public func parseCancel(_ response: InboundMessage) -> CancelAnswer {
        switch action(response) {
        case .accepted: .accepted
        case .refused(let code, let message): .refused(code: code, message: message)
        case .unknown(let code, let message): .failed(code: code, message: message)
        }
    }
}
