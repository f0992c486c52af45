import Foundation
import PasarelaCore

extension DLocalAdapter: CaptureFlow {
    public var capture: (any CaptureFlow)? { self }

    /// `POST /payments` with the authorization's id, the amount to capture and an order id of its own (1.4, from
    /// Hyperswitch's connector).
    public func buildCapture(_ input: CaptureInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        let body = JSONBody.fields([
            ("authorization_id", .string(input.pspPaymentId)),
            ("amount", .number(input.amount.majorUnitString)),
            ("currency", .string(input.amount.currency.code)),
            ("order_id", .string(input.captureId)),
            ("notification_url", .string(context.webhookURL)),
        ]).bytes
        return signed(method: "POST", path: "/payments", body: body, now: input.now, context: context,
                      extraHeaders: [("X-Idempotency-Key", input.captureId)])
    }

    /// `PAID` is captured; `REJECTED` or a refusal is no capture; anything unreadable says nothing.
    public func parseCapture(_ response: InboundMessage, input: CaptureInput) -> CaptureOutcome {
        let outcome = classify(response)
        switch outcome.outcome {
        case .succeeded: return CaptureOutcome(result: .captured, pspStatus: outcome.pspStatus)
        case .declined:
            return CaptureOutcome(result: .refused, pspStatus: outcome.pspStatus, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage)
        case .failed where outcome.failureClass == .rejected:
            return CaptureOutcome(result: .refused, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage)
        case .pending, .failed, .unknown:
            return CaptureOutcome(result: .unknown, pspStatus: outcome.pspStatus, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage)
        }
    }
}
