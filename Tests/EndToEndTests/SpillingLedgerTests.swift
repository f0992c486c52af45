import Foundation
@testable import PasarelaSandbox
import Testing

/// The emulators' ledgers keep a bounded number of records in memory and the rest in a scratch file, losing none.
@Suite struct SpillingLedgerTests {
    struct Record: Codable, Equatable {
        var id: String
        var status: String
    }

    @Test func recordsBeyondTheLimitAreStillFoundListedAndChanged() {
        var ledger = SpillingLedger<String, Record>(limit: 3)
        for index in 0..<10 { ledger["p\(index)"] = Record(id: "p\(index)", status: "PENDING") }
        #expect(ledger.inMemory == 3)
        #expect(ledger.count == 10)
        #expect(ledger.keys == (0..<10).map { "p\($0)" })
        #expect(ledger["p0"] == Record(id: "p0", status: "PENDING"), "read back from the scratch file")
        #expect(ledger.contains("p1"))
        #expect(!ledger.contains("p10"))
        #expect(ledger["p10"] == nil)
        // A record that left memory is changed: it comes back, and the oldest in memory leaves.
        ledger["p0"] = Record(id: "p0", status: "PAID")
        #expect(ledger["p0"]?.status == "PAID")
        #expect(ledger.inMemory == 3)
        #expect(ledger.count == 10, "a changed record is not a new one")
        #expect(ledger.all().map(\.status) == ["PAID"] + Array(repeating: "PENDING", count: 9))
        for index in 10..<10_000 { ledger["p\(index)"] = Record(id: "p\(index)", status: "PENDING") }
        #expect(ledger.inMemory == 3)
        #expect(ledger["p0"]?.status == "PAID")
        #expect(ledger["p5000"] == Record(id: "p5000", status: "PENDING"))
    }
}
