import Foundation
import PasarelaCore

extension GenericAdapter: RefundFlow, RefundLookupFlow {
    public func buildRefund(_ input: RefundInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        guard let endpoint = descriptor.refund else { throw .unsupported("the adapter file declares no refund") }
        var values = TemplateValues(input: nil, context: context, now: input.now, pspPaymentId: input.pspPaymentId)
        values.refund = input.refund
        return try build(endpoint, values)
    }

    public func parseRefund(_ response: InboundMessage, input: RefundInput) -> RefundOutcome {
        guard let endpoint = descriptor.refund else { return RefundOutcome(result: .unknown, errorMessage: "no refund declared") }
        return refundOutcome(response, fields: endpoint.response)
    }

    public func buildRefundLookup(_ target: RefundTarget, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        guard let endpoint = descriptor.refundLookup else { throw .unsupported("the adapter file declares no refund_lookup") }
        var values = TemplateValues(input: nil, context: context, now: now, pspPaymentId: target.pspPaymentId, reference: target.refundId)
        values.pspRefundId = target.pspRefundId
        return try build(endpoint, values)
    }

    public func parseRefundLookup(_ response: InboundMessage, target: RefundTarget) -> RefundOutcome {
        guard let endpoint = descriptor.refundLookup else { return RefundOutcome(result: .unknown, errorMessage: "no refund_lookup declared") }
        return refundOutcome(response, fields: endpoint.response)
    }

    /// A refund answer by the declared paths: a refusal the PSP states is `failed`; 5xx, 429 and unreadable answers are
    /// unknown; a success is the status word mapped by `refund_status_map`, pending when the answer has none.
    func refundOutcome(_ response: InboundMessage, fields: GenericDescriptor.ResponseFields) -> RefundOutcome {
        switch read(response, fields: fields) {
        case .failure(let error):
            let outcome = error.outcome
            let refused = outcome.outcome == .failed && outcome.failureClass == .rejected
            return RefundOutcome(result: refused ? .failed : .unknown, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage)
        case .success(let json):
            let word = fields.status.flatMap { $0.text(in: json) }
            var result = RefundOutcome.Result.pending
            if let word {
                guard let status = descriptor.refundStatusMap[word] else {
                    return RefundOutcome(result: .unknown, pspStatus: word, errorMessage: "refund status '\(word.prefix(30))' is not in refund_status_map")
                }
                result = switch status {
                case .pending: .pending
                case .succeeded: .succeeded
                case .failed: .failed
                }
            }
            return RefundOutcome(result: result, pspRefundId: fields.pspRefundId.flatMap { $0.text(in: json) }, pspStatus: word,
                                 amount: fields.amount?.read(json) ?? .absent,
                                 errorCode: result == .failed ? fields.errorCode.flatMap { $0.text(in: json) } : nil,
                                 errorMessage: result == .failed ? fields.errorMessage.flatMap { $0.text(in: json) } : nil)
        }
    }
}
