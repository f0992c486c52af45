import Foundation
import PasarelaAdapters
import PasarelaCore

/// The merchant-facing JSON of a refund (API.md "Objects").
public enum RefundResource {
    public static func json(_ refund: Refund) -> JSONBody {
        var error: JSONBody = .null
        if refund.status == .failed, refund.errorCode != nil || refund.errorMessage != nil {
            error = .fields([("code", JSONBody.string(refund.errorCode)), ("message", JSONBody.string(refund.errorMessage))])
        }
        return .fields([
            ("id", .string(refund.id)),
            ("object", .string("refund")),
            ("payment_id", .string(refund.paymentId)),
            ("amount", PaymentResource.money(refund.amount)),
            ("status", .string(refund.status.rawValue)),
            ("reason", PaymentResource.optional(refund.reason)),
            ("connection", .string(refund.connection)),
            ("psp_refund_id", PaymentResource.optional(refund.pspRefundId)),
            ("error", error),
            ("created_at", .string(Timestamps.utc(refund.createdAt))),
            ("updated_at", .string(Timestamps.utc(refund.updatedAt))),
        ])
    }

    /// A list of a payment's refunds: `{"object":"list","data":[...],"has_more":false}`.
    public static func list(_ refunds: [Refund]) -> JSONBody {
        .fields([("object", .string("list")), ("data", .array(refunds.map(json))), ("has_more", .bool(false))])
    }
}
