import Foundation
import PasarelaCore

extension CheckoutAdapter: RefundFlow, RefundLookupFlow {
    public var refund: (any RefundFlow)? { self }
    public var refundLookup: (any RefundLookupFlow)? { self }

    /// `POST /payments/{id}/refunds` with the amount and our refund id as reference and idempotency key.
    public func buildRefund(_ input: RefundInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        let refund = input.refund
        let body = JSONBody.object([("amount", .number(String(refund.amount.minorUnits))), ("reference", .string(refund.id))]).bytes
        return post("/payments/\(Self.pathComponent(input.pspPaymentId))/refunds", body: body, idempotencyKey: refund.id, context: context)
    }

    /// 202 is a refund accepted (the webhook says how it ends); 403/422 a refusal; the rest nothing.
    public func parseRefund(_ response: InboundMessage, input: RefundInput) -> RefundOutcome {
        switch action(response) {
        case .accepted(let actionId): RefundOutcome(result: .pending, pspRefundId: actionId, pspStatus: "Refund Pending")
        case .refused(let code, let message): RefundOutcome(result: .failed, errorCode: code, errorMessage: message)
        case .unknown(let code, let message): RefundOutcome(result: .unknown, errorCode: code, errorMessage: message)
        }
    }

    /// `GET /payments/{id}/actions`: the payment's actions, among them the refund.
    public func buildRefundLookup(_ target: RefundTarget, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        OutboundRequest(method: "GET", url: context.baseURL + "/payments/\(Self.pathComponent(target.pspPaymentId))/actions",
                        headers: [("Authorization", "Bearer \(credentials.secretKey)")])
    }

    /// The refund action (by its id, else by our reference): approved succeeded, not approved failed; absent still pending.
    public func parseRefundLookup(_ response: InboundMessage, target: RefundTarget) -> RefundOutcome {
        guard (200..<300).contains(response.status),
              let actions = CheckoutAction.list(response.body) else {
            return RefundOutcome(result: .unknown, errorMessage: "Checkout answered \(response.status) without a list of actions")
        }
        guard let action = actions.first(where: { $0.type == "Refund" && ($0.id == target.pspRefundId || $0.reference == target.refundId) }) else {
            return RefundOutcome(result: .pending, pspRefundId: target.pspRefundId)
        }
        let result: RefundOutcome.Result = switch action.approved {
        case true?: .succeeded
        case false?: .failed
        case nil: .pending
        }
        return RefundOutcome(result: result, pspRefundId: action.id, pspStatus: "Refund",
                             errorCode: result == .failed ? action.responseCode : nil, errorMessage: result == .failed ? action.responseSummary : nil)
    }
}
