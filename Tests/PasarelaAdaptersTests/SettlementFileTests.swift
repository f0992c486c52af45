import Foundation
import PasarelaAdapters
import PasarelaCore
import Testing

/// Settlement reports read by their layouts: CSV as RFC 4180 writes it, every refusal naming its line.
@Suite struct SettlementFileTests {
    let header = "settlement_date,transaction_date,type,transaction_id,payment_id,invoice,country,payment_method,currency,gross_amount,fee_amount,net_amount"

    func dlocal(_ rows: [String]) throws(SettlementFileError) -> [SettlementLine] {
        try SettlementFile.lines(Array(([header] + rows).joined(separator: "\r\n").utf8), layout: DLocalAdapter.settlementLayout)
    }

    func refusal(_ rows: [String]) -> String {
        do {
            _ = try dlocal(rows)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func quotedFieldsKeepTheirCommasQuotesAndLineBreaks() throws {
        let records = try CSVReader.records(Array("\u{FEFF}a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x,\r\n\r\nlast,,\"\"".utf8))
        #expect(records.map(\.fields) == [["a", "b,c", "say \"hi\""], ["two\nlines", "x", ""], ["last", "", ""]])
        #expect(records.map(\.line) == [1, 2, 5])
    }

    @Test func csvThatIsNotCSVIsRefusedAtItsLine() {
        #expect(throws: SettlementFileError(line: 2, "a quoted field is never closed")) { try CSVReader.records(Array("a,b\n\"c,d\n".utf8)) }
        #expect(throws: SettlementFileError(line: 1, "a quote inside an unquoted field")) { try CSVReader.records(Array("a\"b\n".utf8)) }
        #expect(throws: SettlementFileError(line: 1, "text after a closing quote")) { try CSVReader.records(Array("\"a\"b\n".utf8)) }
        #expect(throws: SettlementFileError(line: nil, "the file is not UTF-8 text")) { try CSVReader.records([0x61, 0xFF, 0x0A]) }
    }

    @Test func dLocalLinesAreReadAsPaymentsRefundsAndFeesInMinorUnits() throws {
        let lines = try dlocal([
            "2026-11-02,2026-11-01 10:00:00,PAYMENT,D-4-abc,D-4-abc,att_1,PE,EF,PEN,150.00,-4.50,145.50",
            "2026-11-03,2026-11-02 11:30:00,REFUND,re_1,D-4-abc,att_1,PE,EF,PEN,-50.00,0.00,-50.00",
            "2026-11-03,2026-11-02 12:00:00,FEE,FEE-1,,,PE,,PEN,-1.20,0,-1.20",
        ])
        #expect(lines.map(\.kind) == [.payment, .refund, .fee])
        #expect(lines.map(\.amount.minorUnits) == [15000, 5000, 120])
        #expect(lines[0].fee?.minorUnits == 450)
        #expect(lines[1].pspRefundId == "re_1")
        #expect(lines[1].pspPaymentId == "D-4-abc")
        #expect(lines[0].date == Timestamps.parse("2026-11-01T10:00:00Z"))
        #expect(lines.map(\.line) == [2, 3, 4])
        #expect(lines[0].key == "payment|D-4-abc")
    }

    @Test func badLinesAreRefusedByNumber() {
        let good = "2026-11-02,2026-11-01 10:00:00,PAYMENT,D-4-abc,D-4-abc,att_1,PE,EF,PEN,150.00,-4.50,145.50"
        #expect(refusal([good, good]) == "line 3: repeats line 2 (the same kind and line_id)")
        #expect(refusal([good.replacingOccurrences(of: "PAYMENT", with: "PAYOUT")]).hasPrefix("line 2: unknown type 'PAYOUT'"))
        #expect(refusal([good.replacingOccurrences(of: "150.00", with: "1.5e2")]) == "line 2: gross_amount '1.5e2' is not a decimal with at most 2 decimals of PEN")
        #expect(refusal([good.replacingOccurrences(of: "2026-11-01 10:00:00", with: "01/11/2026")]).hasPrefix("line 2: transaction_date '01/11/2026' is not a date"))
        #expect(refusal([good.replacingOccurrences(of: ",PEN,", with: ",PEN ,").replacingOccurrences(of: "PEN ", with: "XXX")]) == "line 2: currency 'XXX' is not a supported ISO-4217 code")
        #expect(refusal([good + ",extra"]) == "line 2: 13 fields where the header has 12")
        #expect(refusal([good.replacingOccurrences(of: "D-4-abc,D-4-abc", with: "D-4-abc,")]) == "line 2: payment_id is empty")
        #expect(refusal([good.replacingOccurrences(of: "D-4-abc,D-4-abc", with: "pay_x,pay_x")]).contains("another connection"))
    }

    @Test func aFileOfAnotherLayoutIsRefusedAtItsHeader() {
        let checkout = "Action ID,Action Type,Payment ID,Reference,Processed On,Processing Currency,Gross Amount,Fee Amount,Net Amount\n"
        do {
            _ = try SettlementFile.lines(Array(checkout.utf8), layout: DLocalAdapter.settlementLayout)
            Issue.record("a Checkout report was read as dLocal's")
        } catch {
            #expect(error.line == 1)
            #expect(error.message.contains("this is not a dLocal settlement report"))
        }
        #expect(throws: SettlementFileError(line: 1, "the column 'type' appears twice")) {
            try SettlementFile.lines(Array((header + ",type\n").utf8), layout: DLocalAdapter.settlementLayout)
        }
    }

    @Test func checkoutSkipsActionsThatMoveNoMoney() throws {
        let text = """
            Action ID,Action Type,Payment ID,Reference,Processed On,Processing Currency,Gross Amount,Fee Amount,Net Amount
            act_a,Authorization,pay_abcdefghijklmnopqrstuvwxyz,att_1,2026-11-01T10:00:00.1234567Z,PEN,0.00,0.00,0.00
            act_b,Capture,pay_abcdefghijklmnopqrstuvwxyz,att_1,2026-11-01T10:00:01.1234567Z,PEN,99.90,-3.20,96.70
            act_c,Void,pay_abcdefghijklmnopqrstuvwxyz,att_1,2026-11-01T10:00:02Z,PEN,0.00,0.00,0.00
            """
        let lines = try SettlementFile.lines(Array(text.utf8), layout: CheckoutAdapter.settlementLayout)
        #expect(lines.map(\.pspKind) == ["Capture"])
        #expect(lines.first?.amount.minorUnits == 9990)
        #expect(lines.first?.fee?.minorUnits == 320)
    }
}
