import Foundation
import GRDB
import PasarelaCore

/// Refunds, stored with the payment they belong to.
enum RefundRows {
    static func upsert(_ refund: Refund, merchantId: String, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO refunds (id, payment_id, merchant_id, amount_value, currency, status, reason, connection, psp_refund_id, psp_status,
                error_code, error_message, bank_account_json, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, psp_refund_id = excluded.psp_refund_id,
                psp_status = excluded.psp_status, error_code = excluded.error_code, error_message = excluded.error_message,
                updated_at = excluded.updated_at
            """, arguments: [
                refund.id, refund.paymentId, merchantId, refund.amount.minorUnits, refund.amount.currency.code, refund.status.rawValue,
                refund.reason, refund.connection, refund.pspRefundId, refund.pspStatus, refund.errorCode, refund.errorMessage,
                try refund.bankAccount.map(PaymentRows.json), refund.createdAt, refund.updatedAt,
            ])
    }

    /// What the payment's refunds not failed add up to, in minor units.
    static func committed(paymentId: String, in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(amount_value), 0) FROM refunds WHERE payment_id = ? AND status != 'failed'",
                           arguments: [paymentId]) ?? 0
    }

    static func refund(from row: Row) throws -> Refund {
        guard let currency = Currency(code: row["currency"]), let status = RefundStatus(rawValue: row["status"]) else {
            throw DatabaseError(message: "refund row \(row["id"] as String? ?? "?") has an unknown currency or status")
        }
        let account: String? = row["bank_account_json"]
        return Refund(id: row["id"], paymentId: row["payment_id"], amount: Money(minorUnits: row["amount_value"], currency: currency),
                      status: status, reason: row["reason"], connection: row["connection"], pspRefundId: row["psp_refund_id"],
                      pspStatus: row["psp_status"], errorCode: row["error_code"], errorMessage: row["error_message"],
                      bankAccount: try account.map { try PaymentRows.decoder.decode(BankAccount.self, from: Data($0.utf8)) },
                      createdAt: row["created_at"], updatedAt: row["updated_at"])
    }

    static func refunds(paymentId: String, in db: Database) throws -> [Refund] {
        try Row.fetchAll(db, sql: "SELECT * FROM refunds WHERE payment_id = ? ORDER BY created_at, id", arguments: [paymentId]).map(refund(from:))
    }
}
