import Foundation
import PasarelaCore

extension DLocalAdapter: CancelFlow {
    public var cancel: (any CancelFlow)? { self }

    /// `POST /payments/{id}/cancel` (1.4, from Hyperswitch's connector) works on pending and authorized payments.
    public func cancels(_ method: PaymentMethodType, status: PaymentStatus) -> Bool {
        status == .requiresAction || status == .authorized
    }

    public func buildCancel(_ target: CancelTarget, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        signed(method: "POST", path: "/payments/\(Self.pathComponent(target.pspPaymentId))/cancel", body: [], now: now,
               context: context, extraHeaders: [])
    }

    /// The answer is the payment object: `CANCELLED` is done; another status, or 5002 (invalid transaction status), means
    /// dLocal will not cancel it (it was paid meanwhile); 5xx and garbage say nothing.
    public func parseCancel(_ response: InboundMessage) -> CancelAnswer {
        let outcome = classify(response)
        if (200..<300).contains(response.status) {
            guard outcome.outcome != .unknown else { return .failed(code: nil, message: outcome.errorMessage ?? "unreadable answer") }
            if outcome.pspStatus == DLocalStatus.cancelled.rawValue { return .canceled }
            return .refused(code: outcome.pspStatus, message: "dLocal reports the payment \(outcome.pspStatus ?? "?"), not CANCELLED")
        }
        switch outcome.failureClass {
        case .rejected?: return .refused(code: outcome.errorCode, message: outcome.errorMessage ?? "refused")
        default: return .failed(code: outcome.errorCode, message: outcome.errorMessage ?? "HTTP \(response.status)")
        }
    }
}
