import Foundation
import PasarelaAdapters
import PasarelaCore

/// A settlement report for people (`pasarela settle`) and for machines (`--json`).
public enum SettlementReportResource {
    public static func json(_ report: SettlementReport) -> JSONBody {
        .fields([
            ("connection", .string(report.connection)),
            ("file", .string(report.fileName)),
            ("lines", .number(String(report.lines))),
            ("lines_added", .number(String(report.imported.added))),
            ("lines_known", .number(String(report.imported.known))),
            ("from", JSONBody.string(report.from.map(Timestamps.utc)) ?? .null),
            ("to", JSONBody.string(report.to.map(Timestamps.utc)) ?? .null),
            ("matched", .number(String(report.matched))),
            ("mismatches", .array(report.mismatches.map(mismatch))),
            ("totals", .array(report.totals.keys.sorted().compactMap { report.totals[$0].map(total) })),
        ])
    }

    static func mismatch(_ item: SettlementMismatch) -> JSONBody {
        .fields([
            ("kind", .string(item.kind.rawValue)),
            ("line", item.line.map { .number(String($0)) } ?? .null),
            ("of", .string(item.what.rawValue)),
            ("psp_payment_id", JSONBody.string(item.pspPaymentId) ?? .null),
            ("psp_refund_id", JSONBody.string(item.pspRefundId) ?? .null),
            ("payment_id", JSONBody.string(item.paymentId) ?? .null),
            ("refund_id", JSONBody.string(item.refundId) ?? .null),
            ("psp_amount", item.pspAmount.map(PaymentResource.money) ?? .null),
            ("amount", item.ourAmount.map(PaymentResource.money) ?? .null),
            ("status", JSONBody.string(item.ourStatus) ?? .null),
            ("detail", .string(detail(item))),
        ])
    }

    static func total(_ total: SettlementTotal) -> JSONBody {
        func amount(_ value: Int64) -> JSONBody { .number(String(value)) }
        return .fields([
            ("currency", .string(total.currency.code)), ("payments", .number(String(total.payments))), ("gross", amount(total.gross)),
            ("refunds", amount(total.refunds)), ("chargebacks", amount(total.chargebacks)), ("fees", amount(total.fees)),
            ("net", amount(total.net)),
        ])
    }

    /// One sentence per mismatch.
    public static func detail(_ item: SettlementMismatch) -> String {
        let psp = item.pspAmount.map { "\($0)" } ?? "-"
        let ours = item.ourAmount.map { "\($0)" } ?? "-"
        let name = item.what == .refund ? "refund" : item.what == .chargeback ? "chargeback" : "payment"
        return switch item.kind {
        case .notHere: "the PSP lists a \(name) of \(psp) that Pasarela has no record of"
        case .notAtPSP: "Pasarela has a succeeded \(name) of \(ours) that no settlement line lists"
        case .amount: "the PSP settled \(psp), Pasarela has \(ours)"
        case .currency: "the PSP settled \(psp), Pasarela has the \(name) in \(item.ourAmount?.currency.code ?? "another currency")"
        case .status: "the PSP moved \(psp) for a \(name) Pasarela has as \(item.ourStatus ?? "?")"
        }
    }

    /// The report as text, a line per mismatch and a table of totals.
    public static func text(_ report: SettlementReport) -> [String] {
        var lines: [String] = []
        let from = report.from.map(Timestamps.utc) ?? "-", to = report.to.map(Timestamps.utc) ?? "-"
        lines.append("\(report.fileName): \(report.lines) line\(report.lines == 1 ? "" : "s") for \(report.connection) "
                     + "(\(report.imported.added) new, \(report.imported.known) imported before); period \(from) to \(to)")
        if report.mismatches.isEmpty {
            lines.append("No mismatches: \(report.matched) \(report.matched == 1 ? "line agrees" : "lines agree") with Pasarela.")
        } else {
            lines.append("\(report.mismatches.count) mismatch\(report.mismatches.count == 1 ? "" : "es") (\(report.matched) lines agree):")
            for item in report.mismatches {
                let place = item.line.map { "line \($0)" } ?? "books"
                let ids = [item.pspPaymentId ?? item.pspRefundId, item.paymentId, item.refundId].compactMap { $0 }.joined(separator: " ")
                lines.append("  \(place.padding(toLength: 9, withPad: " ", startingAt: 0)) \(item.kind.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0)) \(ids): \(detail(item))")
            }
        }
        lines.append("Totals per currency:")
        let header = ["currency", "payments", "gross", "refunds", "chargebacks", "fees", "net"]
        var rows = [header]
        for code in report.totals.keys.sorted() {
            guard let total = report.totals[code] else { continue }
            func major(_ value: Int64) -> String { Money(minorUnits: value, currency: total.currency).majorUnitString }
            rows.append([code, String(total.payments), major(total.gross), major(total.refunds), major(total.chargebacks), major(total.fees), major(total.net)])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append("  " + row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  "))
        }
        return lines
    }
}
