import Foundation
import GRDB
import PasarelaCore

extension SQLiteStore: SettlementStore {
    public func importSettlement(connection: String, lines: [SettlementLine], fileName: String, at: Date) async throws -> SettlementImport {
        try await pool.write { db in
            var result = SettlementImport(added: 0, known: 0)
            for line in lines {
                if let earlier = try SettlementRows.line(connection: connection, key: line.key, in: db) {
                    guard SettlementRows.sameValues(earlier.line, line) else {
                        throw SettlementConflict(line: line.line, earlierFile: earlier.file, earlierLine: earlier.line.line)
                    }
                    result.known += 1
                    continue
                }
                try SettlementRows.insert(line, connection: connection, fileName: fileName, at: at, in: db)
                result.added += 1
            }
            return result
        }
    }

    public func settledIds(connection: String) async throws -> SettledIds {
        try await pool.read { db in
            var ids = SettledIds()
            let rows = try Row.fetchAll(db, sql: """
                SELECT kind, psp_payment_id, psp_refund_id, reference FROM settlement_lines WHERE connection = ? AND kind IN ('payment', 'refund')
                """, arguments: [connection])
            for row in rows {
                let values = [row["psp_payment_id"], row["psp_refund_id"], row["reference"]] as [String?]
                if row["kind"] == "payment" {
                    ids.payments.formUnion([values[0], values[2]].compactMap { $0 })
                } else {
                    ids.refunds.formUnion([values[1], values[2]].compactMap { $0 })
                }
            }
            return ids
        }
    }

    public func succeeded(connection: String, from: Date, to: Date) async throws -> SucceededBooks {
        try await pool.read { db in
            let payments = try Row.fetchAll(db, sql: """
                SELECT * FROM payments WHERE connection = ? AND succeeded_at >= ? AND succeeded_at <= ? ORDER BY succeeded_at, id
                """, arguments: [connection, from, to]).map { try PaymentRows.stored($0, in: db) }
            let refunds = try Row.fetchAll(db, sql: """
                SELECT * FROM refunds WHERE connection = ? AND status = 'succeeded' AND updated_at >= ? AND updated_at <= ? ORDER BY updated_at, id
                """, arguments: [connection, from, to]).map(RefundRows.refund(from:))
            return SucceededBooks(payments: payments, refunds: refunds)
        }
    }
}

/// Settlement lines as rows.
enum SettlementRows {
    static func insert(_ line: SettlementLine, connection: String, fileName: String, at: Date, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO settlement_lines (connection, line_key, kind, psp_kind, psp_payment_id, psp_refund_id, reference, currency,
                amount_value, fee_value, occurred_at, file_name, file_line, imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [connection, line.key, line.kind.rawValue, line.pspKind, line.pspPaymentId, line.pspRefundId, line.reference,
                             line.amount.currency.code, line.amount.minorUnits, line.fee?.minorUnits, line.date, fileName, line.line, at])
    }

    static func line(connection: String, key: String, in db: Database) throws -> (line: SettlementLine, file: String)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM settlement_lines WHERE connection = ? AND line_key = ?",
                                         arguments: [connection, key]) else { return nil }
        guard let currency = Currency(code: row["currency"]), let kind = SettlementKind(rawValue: row["kind"]) else {
            throw DatabaseError(message: "settlement line \(key) has an unknown currency or kind")
        }
        let line = SettlementLine(line: row["file_line"], key: key, kind: kind, pspKind: row["psp_kind"], pspPaymentId: row["psp_payment_id"],
                                  pspRefundId: row["psp_refund_id"], reference: row["reference"],
                                  amount: Money(minorUnits: row["amount_value"], currency: currency),
                                  fee: (row["fee_value"] as Int64?).map { Money(minorUnits: $0, currency: currency) }, date: row["occurred_at"])
        return (line, row["file_name"])
    }

    /// Whether two lines with one key say the same (their place in their files aside; times to the millisecond stored).
    static func sameValues(_ a: SettlementLine, _ b: SettlementLine) -> Bool {
        let sameMoment = (a.date.timeIntervalSince1970 * 1000).rounded() == (b.date.timeIntervalSince1970 * 1000).rounded()
        var a = a
        a.line = b.line
        a.date = b.date
        return a == b && sameMoment
    }
}
