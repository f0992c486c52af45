import Foundation
import PasarelaCore

extension DLocalAdapter: RefundFlow, RefundLookupFlow {
    public var refund: (any RefundFlow)? { self }
    public var refundLookup: (any RefundLookupFlow)? { self }

    /// `POST /refunds` (1.8): the payment, the amount and currency, our refund id as `id` (a repeat is 5011) and as
    /// `X-Idempotency-Key`, our webhook URL for the refund notification, and for a cash or transfer payment the payer's
    /// bank account when the merchant gave it (without it, dLocal asks the payer by e-mail).
    public func buildRefund(_ input: RefundInput, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        let refund = input.refund
        let account = refund.bankAccount
        let body = JSONBody.fields([
            ("id", .string(refund.id)),
            ("payment_id", .string(input.pspPaymentId)),
            ("amount", .number(refund.amount.majorUnitString)),
            ("currency", .string(refund.amount.currency.code)),
            ("notification_url", .string(context.webhookURL)),
            ("description", JSONBody.string(refund.reason.map { String($0.prefix(100)) })),
            ("beneficiary_name", JSONBody.string(account?.beneficiaryName)),
            ("bank", JSONBody.string(account?.bank)),
            ("bank_account", JSONBody.string(account?.number)),
            ("bank_account_type", JSONBody.string(account.map { Self.accountType($0.type) })),
            ("bank_branch", JSONBody.string(account?.branch)),
        ]).bytes
        return signed(method: "POST", path: "/refunds", body: body, now: input.now, context: context,
                      extraHeaders: [("X-Idempotency-Key", refund.id)])
    }

    /// dLocal's `bank_account_type`: C (checking), S (savings), I (interbank).
    static func accountType(_ type: String) -> String {
        switch type {
        case "savings": "S"
        case "interbank": "I"
        default: "C"
        }
    }

    public func parseRefund(_ response: InboundMessage, input: RefundInput) -> RefundOutcome {
        refundOutcome(response)
    }

    /// `GET /refunds/{id}/status`.
    public func buildRefundLookup(_ target: RefundTarget, now: Date, context: AdapterContext) throws(AdapterError) -> OutboundRequest {
        signed(method: "GET", path: "/refunds/\(Self.pathComponent(target.pspRefundId ?? target.refundId))/status", body: [], now: now,
               context: context, extraHeaders: [])
    }

    public func parseRefundLookup(_ response: InboundMessage, target: RefundTarget) -> RefundOutcome {
        refundOutcome(response)
    }

    /// A refund object read into an outcome; 5011 (the refund id exists) and unreadable answers say nothing definite.
    func refundOutcome(_ response: InboundMessage) -> RefundOutcome {
        guard (200..<300).contains(response.status) else {
            let error = DLocalErrorBody.read(response.body)
            let code = error.map { String($0.code) }
            let message = error?.message ?? "dLocal answered HTTP \(response.status)"
            if (400..<500).contains(response.status), response.status != 429, error != nil, error?.code != 5011 {
                return RefundOutcome(result: .failed, errorCode: code, errorMessage: message)
            }
            return RefundOutcome(result: .unknown, errorCode: code, errorMessage: message)
        }
        guard let refund = DLocalRefund.read(response.body) else {
            return RefundOutcome(result: .unknown, errorMessage: "dLocal answered \(response.status) with a body that is not a refund")
        }
        return outcome(of: refund)
    }

    /// PENDING 100 · SUCCESS 200 · REJECTED 300 · CANCELLED 400 (1.8).
    func outcome(of refund: DLocalRefund) -> RefundOutcome {
        let result: RefundOutcome.Result = switch refund.status {
        case "SUCCESS": .succeeded
        case "PENDING": .pending
        case "REJECTED", "CANCELLED": .failed
        default: .unknown
        }
        var amount = ReportedAmount.absent
        if let text = refund.amount {
            if let code = refund.currency, let currency = Currency(code: code), let money = Money(majorUnits: text, currency: currency) {
                amount = .exact(money)
            } else {
                amount = .unreadable("\(text.prefix(30)) \(refund.currency?.prefix(8) ?? "?")")
            }
        }
        return RefundOutcome(result: result, pspRefundId: refund.id, pspStatus: refund.status, amount: amount,
                             errorCode: result == .failed ? refund.statusCode.map(String.init) : nil,
                             errorMessage: result == .failed ? refund.statusDetail : nil)
    }
}
