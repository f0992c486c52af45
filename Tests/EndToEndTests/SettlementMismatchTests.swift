import Foundation
import PasarelaGateway
import PasarelaStore
import Testing

/// Each kind of disagreement between a PSP's settlement report and the books, found by a test of its own: the dLocal
/// emulator's report of one paid payment and one refund of it, with exactly one thing planted, must give exactly that
/// mismatch and match the rest.
@Suite struct SettlementMismatchTests {
    /// One paid dLocal payment of 100.00 PEN with a 30.00 refund, and the report dLocal exports for them.
    struct Books {
        let harness: Harness
        let paymentId: String
        let pspPaymentId: String
        let refundId: String
        var rows: [[String]]

        func column(_ name: String) -> Int { rows[0].firstIndex(of: name)! }

        func line(_ type: String) throws -> Int {
            try #require(rows.firstIndex { $0[column("payment_id")] == pspPaymentId && $0[column("type")] == type })
        }
    }

    /// Makes the books, lets `plant` change the report, settles it, and hands back what the check found.
    static func check(_ plant: (inout Books) async throws -> Void) async throws -> (SettlementReport, Books)? {
        var found: (SettlementReport, Books)?
        // A frozen clock: the payment, its refund and every report line share one instant, so the report's period
        // (from its first line to its last) covers the books whichever line a test removes.
        try await Harness.with(clock: TestClock(frozenAt: Date())) { harness in
            let id = try await RefundTests.paidCash(harness, value: 10000)
            let pspId = try #require(try await harness.payment(id)["psp_payment_id"] as? String)
            let refund = try await harness.call("POST", "/v1/payments/\(id)/refunds",
                                                json: #"{"amount":{"value":3000,"currency":"PEN"},"bank_account":\#(RefundTests.bankAccount)}"#)
            let refundId = try #require(refund.json["id"] as? String)
            try await harness.eventually("the refund succeeds") {
                try await harness.call("GET", "/v1/refunds/\(refundId)").json["status"] as? String == "succeeded"
            }
            let export = try await harness.call("GET", "/sandbox/dlocal/settlement").text
            let rows = export.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            var books = Books(harness: harness, paymentId: id, pspPaymentId: pspId, refundId: refundId, rows: rows)
            #expect(rows.count == 3, "header, the payment, its refund: \(rows)")
            try await plant(&books)
            let csv = Array(books.rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n").utf8)
            found = (try await harness.stack.gateway.settlement.check(connection: "dlocal", file: csv, fileName: "report.csv"), books)
        }
        return found
    }

    /// The one mismatch a report holds.
    static func only(_ report: SettlementReport) throws -> SettlementMismatch {
        #expect(report.mismatches.count == 1, "\(report.mismatches)")
        return try #require(report.mismatches.first)
    }

    @Test func theUntouchedReportAgrees() async throws {
        let checked = try await Self.check { _ in }
        let (report, _) = try #require(checked)
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
        #expect(report.matched == 2)
    }

    @Test func aPaymentSettledForAnotherAmount() async throws {
        let checked = try await Self.check { books in
            books.rows[try books.line("PAYMENT")][books.column("gross_amount")] = "90.00"
        }
        let (report, books) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .amount)
        #expect(mismatch.what == .payment)
        #expect(mismatch.paymentId == books.paymentId)
        #expect(mismatch.pspAmount?.minorUnits == 9000)
        #expect(mismatch.ourAmount?.minorUnits == 10000)
        #expect(report.matched == 1, "the refund matches")
    }

    @Test func aRefundSettledForAnotherAmount() async throws {
        let checked = try await Self.check { books in
            books.rows[try books.line("REFUND")][books.column("gross_amount")] = "-25.00"
        }
        let (report, books) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .amount)
        #expect(mismatch.what == .refund)
        #expect(mismatch.refundId == books.refundId)
        #expect(mismatch.pspAmount?.minorUnits == 2500)
        #expect(mismatch.ourAmount?.minorUnits == 3000)
        #expect(report.matched == 1, "the payment matches")
    }

    @Test func aPaymentSettledInAnotherCurrency() async throws {
        let checked = try await Self.check { books in
            books.rows[try books.line("PAYMENT")][books.column("currency")] = "USD"
        }
        let (report, books) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .currency)
        #expect(mismatch.what == .payment)
        #expect(mismatch.pspPaymentId == books.pspPaymentId)
        #expect(report.totals["USD"]?.gross == 10000)
    }

    @Test func aPaymentTheBooksHoldAsStillWaiting() async throws {
        let checked = try await Self.check { books in
            let unpaid = try await books.harness.call("POST", "/v1/payments", json: Harness.cashBody(value: 10000))
            let unpaidPSP = try #require(unpaid.json["psp_payment_id"] as? String)
            var row = books.rows[try books.line("PAYMENT")]
            row[books.column("transaction_id")] = unpaidPSP
            row[books.column("payment_id")] = unpaidPSP
            row[books.column("invoice")] = ""
            books.rows.append(row)
        }
        let (report, _) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .status)
        #expect(mismatch.what == .payment)
        #expect(mismatch.ourStatus == "requires_action")
        #expect(report.matched == 2)
    }

    @Test func aRefundTheBooksHoldAsStillPending() async throws {
        let checked = try await Self.check { books in
            // A second refund without the payer's bank account: dLocal asks the payer for it, so it stays pending here.
            let pending = try await books.harness.call("POST", "/v1/payments/\(books.paymentId)/refunds",
                                                       json: #"{"amount":{"value":1000,"currency":"PEN"}}"#)
            #expect(pending.json["status"] as? String == "pending", "\(pending.text)")
            var row = books.rows[try books.line("REFUND")]
            row[books.column("transaction_id")] = try #require(pending.json["psp_refund_id"] as? String ?? pending.json["id"] as? String)
            row[books.column("invoice")] = try #require(pending.json["id"] as? String)
            row[books.column("gross_amount")] = "-10.00"
            books.rows.append(row)
        }
        let (report, _) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .status)
        #expect(mismatch.what == .refund)
        #expect(mismatch.ourStatus == "pending")
        #expect(report.matched == 2)
    }

    @Test func aPaymentThePSPHasAndTheBooksDoNot() async throws {
        let checked = try await Self.check { books in
            var row = books.rows[try books.line("PAYMENT")]
            row[books.column("transaction_id")] = "D-4-0000aaaa-unknown"
            row[books.column("payment_id")] = "D-4-0000aaaa-unknown"
            row[books.column("invoice")] = "att_unknown"
            books.rows.append(row)
        }
        let (report, _) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .notHere)
        #expect(mismatch.what == .payment)
        #expect(mismatch.pspPaymentId == "D-4-0000aaaa-unknown")
        #expect(mismatch.paymentId == nil)
        #expect(report.matched == 2)
    }

    @Test func aRefundThePSPMadeThatNobodyAskedFor() async throws {
        let checked = try await Self.check { books in
            var row = books.rows[try books.line("REFUND")]
            row[books.column("transaction_id")] = "REF-stray"
            row[books.column("invoice")] = ""
            books.rows.append(row)
        }
        let (report, _) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .notHere)
        #expect(mismatch.what == .refund)
        #expect(mismatch.pspRefundId == "REF-stray")
        #expect(report.matched == 2)
    }

    @Test func aPaymentTheBooksHoldThatThePSPDoesNotList() async throws {
        let checked = try await Self.check { books in
            books.rows.remove(at: try books.line("PAYMENT"))
        }
        let (report, books) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .notAtPSP)
        #expect(mismatch.what == .payment)
        #expect(mismatch.paymentId == books.paymentId)
        #expect(mismatch.ourAmount?.minorUnits == 10000)
        #expect(report.matched == 1, "the refund matches")
    }

    @Test func aRefundTheBooksHoldThatThePSPDoesNotList() async throws {
        let checked = try await Self.check { books in
            books.rows.remove(at: try books.line("REFUND"))
        }
        let (report, books) = try #require(checked)
        let mismatch = try Self.only(report)
        #expect(mismatch.kind == .notAtPSP)
        #expect(mismatch.what == .refund)
        #expect(mismatch.refundId == books.refundId)
        #expect(report.matched == 1, "the payment matches")
    }
}
