import Foundation
import PasarelaCore

/// Refunds as rows, stored with the payment they belong to.
enum RefundRecord {
    static func upsert(_ refund: Refund, merchantId: String) throws -> Statement {
        Statement("""
            INSERT INTO refunds (id, payment_id, merchant_id, amount_value, currency, status, reason, connection, psp_refund_id, psp_status,
                error_code, error_message, bank_account_json, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, psp_refund_id = excluded.psp_refund_id,
                psp_status = excluded.psp_status, error_code = excluded.error_code, error_message = excluded.error_message,
                updated_at = excluded.updated_at
            """, [
                refund.id, refund.paymentId, merchantId, refund.amount.minorUnits, refund.amount.currency.code, refund.status.rawValue,
                refund.reason, refund.connection, refund.pspRefundId, refund.pspStatus, refund.errorCode, refund.errorMessage,
                try refund.bankAccount.map(PaymentRecord.json), refund.createdAt, refund.updatedAt,
            ])
    }

    /// What the payment's refunds not failed add up to, in minor units, as `total`.
    static func committed(paymentId: String) -> Statement {
        Statement("SELECT CAST(COALESCE(SUM(amount_value), 0) AS BIGINT) AS total FROM refunds WHERE payment_id = ? AND status <> 'failed'",
                  [paymentId])
    }

    static func refund(from row: any SQLRow) throws -> Refund {
        guard let currency = Currency(code: try row.text(required: "currency")),
              let status = RefundStatus(rawValue: try row.text(required: "status")) else {
            throw CorruptRow("refund \(try row.text("id") ?? "?") has an unknown currency or status")
        }
        return Refund(id: try row.text(required: "id"), paymentId: try row.text(required: "payment_id"),
                      amount: Money(minorUnits: try row.int(required: "amount_value"), currency: currency),
                      status: status, reason: try row.text("reason"), connection: try row.text(required: "connection"),
                      pspRefundId: try row.text("psp_refund_id"), pspStatus: try row.text("psp_status"), errorCode: try row.text("error_code"),
                      errorMessage: try row.text("error_message"),
                      bankAccount: try row.text("bank_account_json").map { try PaymentRecord.decode(BankAccount.self, $0) },
                      createdAt: try row.date(required: "created_at"), updatedAt: try row.date(required: "updated_at"))
    }
}
