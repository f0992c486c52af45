import Foundation
import PasarelaCore

extension CheckoutAdapter: CaptureFlow {
    public var capture: (any CaptureFlow)? { self }

    /// `POST /payments/{id}/captures` with the amount and our capture id as reference and idempotency key.
    public func buildCapture(_ input: CaptureInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        let body = JSONBody.object([("amount", .number(String(input.amount.minorUnits))), ("reference", .string(input.captureId))]).bytes
        return post("/payments/\(Self.pathComponent(input.pspPaymentId))/captures", body: body, idempotencyKey: input.captureId, context: context)
    }

    /// 202 with an action id is accepted (`payment_captured` confirms it); 403/404/422 a refusal; the rest nothing.
    public func parseCapture(_ response: InboundMessage, input: CaptureInput) -> CaptureOutcome {
        switch action(response) {
        case .accepted: CaptureOutcome(result: .pending, pspStatus: "Capture Pending")
        case .refused(let code, let message): CaptureOutcome(result: .refused, errorCode: code, errorMessage: message)
        case .unknown(let code, let message): CaptureOutcome(result: .unknown, errorCode: code, errorMessage: message)
        }
    }

    /// How Checkout answered an action request (capture, void, refund): 202 with `action_id`, a refusal, or nothing.
    enum ActionAnswer: Equatable {
        case accepted(actionId: String)
        case refused(code: String?, message: String)
        case unknown(code: String?, message: String)
    }

    func action(_ response: InboundMessage) -> ActionAnswer {
        switch response.status {
        case 200..<300:
            guard let body = try? JSONValue.parse(response.body), case .object(let fields) = body,
                  let actionId = fields["action_id"]?.stringValue else {
                return .unknown(code: nil, message: "Checkout answered \(response.status) without an action_id")
            }
            return .accepted(actionId: actionId)
        case 403, 404, 409, 422:
            let outcome = classify(response)
            return .refused(code: outcome.errorCode, message: outcome.errorMessage ?? "HTTP \(response.status)")
        default:
            let outcome = classify(response)
            return .unknown(code: outcome.errorCode, message: outcome.errorMessage ?? "HTTP \(response.status)")
        }
    }
}
