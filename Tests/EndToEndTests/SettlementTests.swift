import Foundation
import PasarelaGateway
import PasarelaStore
import Testing

/// Settlement reports exported by the emulators (as each PSP's dashboard would), imported and checked against the books.
@Suite struct SettlementTests {
    /// The emulator's CSV for all time, as rows of fields (the exports here quote nothing).
    func export(_ harness: Harness, _ connection: String) async throws -> [[String]] {
        let reply = try await harness.call("GET", "/sandbox/\(connection)/settlement")
        #expect(reply.status == 200, "\(reply.text)")
        return reply.text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func csv(_ rows: [[String]]) -> [UInt8] { Array(rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n").utf8) }

    func settle(_ harness: Harness, _ connection: String, _ rows: [[String]], name: String = "report.csv") async throws -> SettlementReport {
        try await harness.stack.gateway.settlement.check(connection: connection, file: csv(rows), fileName: name)
    }

    func kinds(_ report: SettlementReport) -> [String] { report.mismatches.map { "\($0.kind.rawValue)@\($0.line.map(String.init) ?? "-")" } }

    @Test func theReportFindsEachPlantedMismatchAndASecondImportChangesNothing() async throws {
        try await Harness.with { harness in
            var paid: [String] = []
            for _ in 0..<4 {
                let id = try await RefundTests.paidCash(harness, value: 10000)
                paid.append(try #require(try await harness.payment(id)["psp_payment_id"] as? String))
            }
            let (a, b, c, d) = (paid[0], paid[1], paid[2], paid[3])
            let paymentA = try #require(try await harness.stack.gateway.store.attempt(connection: "dlocal", pspPaymentId: a, reference: nil)?.paymentId)
            let refund = try await harness.call("POST", "/v1/payments/\(paymentA)/refunds",
                                                json: #"{"amount":{"value":3000,"currency":"PEN"},"bank_account":\#(RefundTests.bankAccount)}"#)
            try await harness.eventually("the refund succeeds") { try await harness.call("GET", "/v1/refunds/\(refund.json["id"] as? String ?? "")").json["status"] as? String == "succeeded" }
            let unpaid = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(value: 10000))
            let unpaidPSP = try #require(unpaid.json["psp_payment_id"] as? String)

            var rows = try await export(harness, "dlocal")
            #expect(rows.count == 6, "header, four payments, one refund: \(rows)")
            let header = rows[0]
            let column = { (name: String) in header.firstIndex(of: name)! }
            func index(of psp: String, type: String = "PAYMENT") -> Int? {
                rows.firstIndex { $0[column("payment_id")] == psp && $0[column("type")] == type }
            }
            // b: settled here, missing from the PSP's report.
            rows.remove(at: try #require(index(of: b)))
            // c: the PSP settled another amount.
            rows[try #require(index(of: c))][column("gross_amount")] = "90.00"
            // d: the PSP settled it in another currency.
            rows[try #require(index(of: d))][column("currency")] = "USD"
            var template = rows[try #require(index(of: a))]
            // A payment the PSP has and Pasarela does not; one Pasarela has as still waiting for the payer.
            template[column("transaction_id")] = "D-4-0000aaaa-unknown"
            template[column("payment_id")] = "D-4-0000aaaa-unknown"
            template[column("invoice")] = "att_unknown"
            rows.append(template)
            var waiting = template
            waiting[column("transaction_id")] = unpaidPSP
            waiting[column("payment_id")] = unpaidPSP
            rows.append(waiting)
            // A refund the PSP made that Pasarela never asked for.
            var stray = rows[try #require(index(of: a, type: "REFUND"))]
            stray[column("transaction_id")] = "REF-stray"
            stray[column("invoice")] = ""
            rows.append(stray)

            let report = try await settle(harness, "dlocal", rows)
            #expect(report.lines == 7)
            #expect(report.imported == SettlementImport(added: 7, known: 0))
            let found = Dictionary(grouping: report.mismatches, by: \.kind)
            #expect(found[.notAtPSP]?.map(\.pspPaymentId) == [b])
            #expect(found[.amount]?.first?.pspAmount?.minorUnits == 9000)
            #expect(found[.amount]?.first?.ourAmount?.minorUnits == 10000)
            #expect(found[.currency]?.first?.pspPaymentId == d)
            #expect(found[.status]?.first?.pspPaymentId == unpaidPSP)
            #expect(found[.status]?.first?.ourStatus == "requires_action")
            #expect(Set(found[.notHere]?.map(\.what) ?? []) == [.payment, .refund])
            #expect(report.mismatches.count == 6, "\(kinds(report))")
            #expect(report.matched == 2, "payment a and its refund")
            // Totals per currency, fees included: PEN has a, c, the unknown and the waiting payment; USD has d.
            let pen = try #require(report.totals["PEN"])
            #expect(pen.payments == 4)
            #expect(pen.gross == 10000 + 9000 + 10000 + 10000)
            #expect(pen.refunds == 6000)
            #expect(pen.fees == 300 + 300 + 300 + 300)
            #expect(pen.net == pen.gross - 6000 - 1200)
            #expect(report.totals["USD"]?.gross == 10000)

            let again = try await settle(harness, "dlocal", rows)
            #expect(again.imported == SettlementImport(added: 0, known: 7))
            #expect(kinds(again) == kinds(report))
            #expect(again.totals == report.totals)

            // A line whose key was imported with other values is refused, and nothing of its file is written.
            var changed = rows
            let fresh = rows[1].enumerated().map { [column("transaction_id"), column("payment_id")].contains($0.offset) ? "D-4-0000bbbb-new" : $0.element }
            changed[1][column("gross_amount")] = "1.00"
            changed.insert(fresh, at: 1)
            await #expect(throws: SettlementError.self) { try await settle(harness, "dlocal", changed) }
            let settled = try await harness.stack.gateway.store.settledIds(connection: "dlocal")
            #expect(!settled.payments.contains("D-4-0000bbbb-new"))
        }
    }

    @Test func aCheckoutReportThatAgreesHasNoMismatches() async throws {
        try await Harness.with { harness in
            let first = try await RefundTests.capturedCard(harness, value: 10000)
            let second = try await CaptureTests.authorize(harness, token: "tok_visa4242", value: 20000)
            #expect(try await harness.call("POST", "/v1/payments/\(second)/capture", json: #"{"amount":{"value":15000,"currency":"PEN"}}"#).status == 200)
            #expect(try await harness.waitForStatus(second, "succeeded") == "succeeded")
            let refund = try await harness.call("POST", "/v1/payments/\(first)/refunds", json: #"{"amount":{"value":2500,"currency":"PEN"}}"#)
            try await harness.eventually("the refund succeeds") { try await harness.call("GET", "/v1/refunds/\(refund.json["id"] as? String ?? "")").json["status"] as? String == "succeeded" }
            let rows = try await export(harness, "checkout")
            #expect(rows.count == 6, "header, two authorizations, two captures, one refund")
            let report = try await settle(harness, "checkout", rows)
            #expect(report.mismatches.isEmpty, "\(kinds(report))")
            #expect(report.lines == 3, "authorizations move no money")
            #expect(report.matched == 3)
            let pen = try #require(report.totals["PEN"])
            #expect(pen.gross == 25000)
            #expect(pen.refunds == 2500)
            #expect(pen.fees == (290 + 30) + (435 + 30))
            #expect(pen.net == 25000 - 2500 - 785)
        }
    }

    @Test func aPagoEfectivoReportIsReadInLimaTime() async throws {
        // A frozen clock: the CIP is paid and the payment succeeds at one instant, however slow a loaded machine is.
        try await Harness.with(routes: "routes:\n  - name: cash\n    match: { method: cash }\n    targets: [pagoefectivo]\n  - name: default\n    targets: [dlocal]\n",
                               clock: TestClock(frozenAt: Date())) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(value: 4550))
            let id = try #require(created.json["id"] as? String)
            let cip = try #require(created.json["psp_payment_id"] as? String)
            #expect(try await harness.call("POST", "/sandbox/pagoefectivo/cips/\(cip)/pay").status == 200)
            #expect(try await harness.waitForStatus(id, "succeeded") == "succeeded")
            let rows = try await export(harness, "pagoefectivo")
            #expect(rows.count == 2)
            let report = try await settle(harness, "pagoefectivo", rows)
            #expect(report.mismatches.isEmpty, "\(kinds(report))")
            #expect(report.matched == 1)
            let paidAt = try #require(report.from)
            let succeeded = try #require(try await harness.stack.gateway.store.payment(id: id, merchantId: nil)?.payment.succeededAt)
            // The report's Lima wall-clock time is the same instant (to the second) the payment succeeded.
            #expect(abs(paidAt.timeIntervalSince(succeeded)) < 2)
            #expect(report.totals["PEN"]?.fees == 68)
        }
    }

    @Test func filesThatCannotBeReadAreRefusedByLineAndWriteNothing() async throws {
        try await Harness.with { harness in
            _ = try await RefundTests.paidCash(harness)
            let rows = try await export(harness, "dlocal")
            func refusal(_ bytes: [UInt8], _ connection: String = "dlocal") async -> String {
                do {
                    _ = try await harness.stack.gateway.settlement.check(connection: connection, file: bytes, fileName: "bad.csv")
                    return "accepted"
                } catch {
                    return "\(error)"
                }
            }
            let duplicate = await refusal(csv(rows + [rows[1]]))
            #expect(duplicate.hasPrefix("line 3: repeats line 2"), "\(duplicate)")
            var badAmount = rows
            badAmount[1][9] = "12,5"
            let amount = await refusal(Array((rows[0].joined(separator: ",") + "\n" + badAmount[1].joined(separator: ";")).utf8))
            #expect(amount.hasPrefix("line 2: "), "\(amount)")
            var tooPrecise = rows
            tooPrecise[1][9] = "100.001"
            #expect(await refusal(csv(tooPrecise)).hasPrefix("line 2: gross_amount '100.001' is not a decimal"))
            let unclosed = await refusal(Array((rows[0].joined(separator: ",") + "\n\"" + rows[1].joined(separator: ",")).utf8))
            #expect(unclosed.hasPrefix("line 2: a quoted field is never closed"), "\(unclosed)")
            let checkoutFile = await refusal(csv(rows), "checkout")
            #expect(checkoutFile.contains("not a Checkout financial actions report"), "\(checkoutFile)")
            var foreign = rows
            foreign[1][4] = "pay_abcdefghijklmnopqrstuvwxyz"
            let other = await refusal(csv(foreign))
            #expect(other.contains("is the file from another connection?"), "\(other)")
            #expect(await refusal([]).contains("the file is empty"))
            #expect(await refusal(csv(rows), "nowhere").contains("no connection 'nowhere'"))
            let settled = try await harness.stack.gateway.store.settledIds(connection: "dlocal")
            #expect(settled == SettledIds())
            // The good file still imports.
            #expect(try await settle(harness, "dlocal", rows).mismatches.isEmpty)
        }
    }

    @Test func theCommandExitsNonZeroOnMismatchAndNamesTheLineOfABadFile() async throws {
        let folder = NSTemporaryDirectory() + "pasarela-settle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = folder + "/pasarela.sqlite"
        try await Harness.with(databasePath: database) { harness in
            _ = try await RefundTests.paidCash(harness)
            let rows = try await export(harness, "dlocal")
            let good = folder + "/good.csv", short = folder + "/short.csv", bad = folder + "/bad.csv"
            try Data(csv(rows)).write(to: URL(fileURLWithPath: good))
            try Data(csv([rows[0]])).write(to: URL(fileURLWithPath: short))
            var broken = rows
            broken[1][8] = "XYZ"
            try Data(csv(broken)).write(to: URL(fileURLWithPath: bad))
            func run(_ file: String, json: Bool = false) throws -> (Int32, String) {
                try PasarelaProcess(["settle", "--connection", "dlocal", file, "--database", database, "--config", Harness.repositoryRoot]
                                    + (json ? ["--json"] : []), folder: folder).finish()
            }
            let (clean, text) = try run(good)
            #expect(clean == 0, "\(text)")
            #expect(text.contains("No mismatches: 1 line agrees"), "\(text)")
            // A report with no lines names no period, so there is nothing to hold the books against.
            let (header, headerText) = try run(short, json: true)
            #expect(header == 0, "\(headerText)")
            let (refused, refusedText) = try run(bad)
            #expect(refused == 2)
            #expect(refusedText.contains("line 2: currency 'XYZ' is not a supported ISO-4217 code"), "\(refusedText)")
            // A second payment, in the books for the period given but in no report.
            let id = try await RefundTests.paidCash(harness)
            let period = folder + "/period.csv"
            try Data(csv([rows[0]])).write(to: URL(fileURLWithPath: period))
            let (mismatch, mismatchText) = try PasarelaProcess(["settle", "--connection", "dlocal", period, "--database", database,
                                                                "--config", Harness.repositoryRoot, "--from", "2000-01-01", "--to", "2100-01-01", "--json"],
                                                               folder: folder).finish()
            #expect(mismatch == 1, "\(mismatchText)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(mismatchText.utf8)) as? [String: Any])
            let found = json["mismatches"] as? [[String: Any]] ?? []
            #expect(found.map { $0["kind"] as? String } == ["not_at_psp"])
            #expect(found.first?["payment_id"] as? String == id)
        }
    }
}
