import Foundation
import PasarelaCore

extension SQLBackedStore {
    public func importSettlement(connection: String, lines: [SettlementLine], fileName: String, at: Date) async throws -> SettlementImport {
        guard !lines.isEmpty else { return SettlementImport(added: 0, known: 0) }
        // Lines seen before must say the same; the rest are added in one transaction (a concurrent import of the same
        // lines makes an insert find its key taken, and the whole import stops with nothing written).
        var earlier: [String: (line: SettlementLine, file: String)] = [:]
        for start in stride(from: 0, to: lines.count, by: 500) {
            let keys = lines[start..<min(start + 500, lines.count)].map(\.key)
            let marks = Array(repeating: "?", count: keys.count).joined(separator: ", ")
            let found = try await executor.read(ReadPlan([
                Statement("SELECT * FROM settlement_lines WHERE connection = ? AND line_key IN (\(marks))", [connection] + keys),
            ]) { rows in try rows[0].map { (try $0.text(required: "line_key"), try SettlementRecord.line($0)) } })
            for (key, value) in found { earlier[key] = value }
        }
        var fresh: [SettlementLine] = []
        for line in lines {
            guard let (known, file) = earlier[line.key] else {
                fresh.append(line)
                continue
            }
            guard SettlementRecord.sameValues(known, line) else {
                throw SettlementConflict(line: line.line, earlierFile: file, earlierLine: known.line)
            }
        }
        let known = lines.count - fresh.count, added = fresh.count
        guard !fresh.isEmpty else { return SettlementImport(added: 0, known: known) }
        let steps: [WritePlan<SettlementImport?>.Step] = fresh.map { line in
            .expectRow(SettlementRecord.insert(line, connection: connection, fileName: fileName, at: at), otherwise: .init(keep: false) { _ in nil })
        }
        guard let result = try await executor.write(WritePlan(steps) { _ in SettlementImport(added: added, known: known) }) else {
            throw SettlementConflict(line: fresh[0].line, earlierFile: "an import running at the same time", earlierLine: 0)
        }
        return result
    }

    public func settledIds(connection: String) async throws -> SettledIds {
        try await executor.read(ReadPlan([Statement("""
            SELECT kind, psp_payment_id, psp_refund_id, reference FROM settlement_lines WHERE connection = ? AND kind IN ('payment', 'refund')
            """, [connection])]) { rows in
            var ids = SettledIds()
            for row in rows[0] {
                let (payment, refund, reference) = (try row.text("psp_payment_id"), try row.text("psp_refund_id"), try row.text("reference"))
                if try row.text(required: "kind") == "payment" {
                    ids.payments.formUnion([payment, reference].compactMap { $0 })
                } else {
                    ids.refunds.formUnion([refund, reference].compactMap { $0 })
                }
            }
            return ids
        })
    }

    public func succeeded(connection: String, from: Date, to: Date) async throws -> SucceededBooks {
        async let payments = executor.read(PaymentRecord.stored("WHERE connection = ? AND succeeded_at >= ? AND succeeded_at <= ? ORDER BY succeeded_at, id",
                                                                [connection, from, to]))
        async let refunds = executor.read(ReadPlan([Statement("""
            SELECT * FROM refunds WHERE connection = ? AND status = 'succeeded' AND updated_at >= ? AND updated_at <= ? ORDER BY updated_at, id
            """, [connection, from, to])]) { rows in try rows[0].map(RefundRecord.refund) })
        return SucceededBooks(payments: try await payments, refunds: try await refunds)
    }
}
