import Foundation
import PasarelaCore

/// Settlement lines as rows.
enum SettlementRecord {
    static func insert(_ line: SettlementLine, connection: String, fileName: String, at: Date) -> Statement {
        Statement("""
            INSERT INTO settlement_lines (connection, line_key, kind, psp_kind, psp_payment_id, psp_refund_id, reference, currency,
                amount_value, fee_value, occurred_at, file_name, file_line, imported_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connection, line_key) DO NOTHING RETURNING line_key
            """, [connection, line.key, line.kind.rawValue, line.pspKind, line.pspPaymentId, line.pspRefundId, line.reference,
                  line.amount.currency.code, line.amount.minorUnits, line.fee?.minorUnits, line.date, fileName, line.line, at])
    }

    static func line(_ row: any SQLRow) throws -> (line: SettlementLine, file: String) {
        guard let currency = Currency(code: try row.text(required: "currency")), let kind = SettlementKind(rawValue: try row.text(required: "kind")) else {
            throw CorruptRow("settlement line \(try row.text("line_key") ?? "?") has an unknown currency or kind")
        }
        let line = SettlementLine(line: Int(try row.int(required: "file_line")), key: try row.text(required: "line_key"), kind: kind,
                                  pspKind: try row.text(required: "psp_kind"), pspPaymentId: try row.text("psp_payment_id"),
                                  pspRefundId: try row.text("psp_refund_id"), reference: try row.text("reference"),
                                  amount: Money(minorUnits: try row.int(required: "amount_value"), currency: currency),
                                  fee: try row.int("fee_value").map { Money(minorUnits: $0, currency: currency) },
                                  date: try row.date(required: "occurred_at"))
        return (line, try row.text(required: "file_name"))
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
