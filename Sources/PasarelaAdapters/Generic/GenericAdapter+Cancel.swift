import Foundation
import PasarelaCore

extension GenericAdapter: CancelFlow {
    /// The statuses the file's `cancel.applies_to` names, for any method the connection carries.
    public func cancels(_ method: PaymentMethodType, status: PaymentStatus) -> Bool {
        descriptor.cancel?.appliesTo.contains(status) ?? false
    }

    public func buildCancel(_ target: CancelTarget, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        guard let cancel = descriptor.cancel else { throw .unsupported("the adapter file declares no cancel") }
        return try build(cancel.request, TemplateValues(input: nil, context: context, now: now, pspPaymentId: target.pspPaymentId,
                                                        reference: target.attemptId))
    }

    /// 2xx meeting the success condition is canceled; another 4xx is the PSP's refusal; 5xx and garbage say nothing.
    public func parseCancel(_ response: InboundMessage) -> CancelAnswer {
        guard let cancel = descriptor.cancel else { return .failed(code: nil, message: "no cancel declared") }
        switch read(response, fields: cancel.request.response) {
        case .success: return .canceled
        case .failure(let error):
            let outcome = error.outcome
            let message = outcome.errorMessage ?? "HTTP \(response.status)"
            if outcome.outcome == .failed, outcome.failureClass == .rejected, (400..<500).contains(response.status) || (200..<300).contains(response.status) {
                return .refused(code: outcome.errorCode, message: message)
            }
            return .failed(code: outcome.errorCode, message: message)
        }
    }
}
