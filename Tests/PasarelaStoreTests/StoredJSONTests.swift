import Foundation
import GRDB
import PasarelaCore
@testable import PasarelaStore
import Testing

/// The hand-written JSON columns read what Foundation's encoder wrote before them, and Foundation's decoder reads what
/// they write: a database written by an earlier Pasarela reads the same.
@Suite struct StoredJSONTests {
    /// Foundation's coders as the store configured them before (and still does for the columns it does not hand-write).
    static let encoder = PaymentRecord.encoder
    static let decoder = PaymentRecord.decoder

    static func foundation<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    @Test func customersAndMetadataReadBothWays() throws {
        for customer in [Customer(name: "Ana \"Q\" Ruiz/ñ", email: "ana@example.com", document: Document(type: "DNI", number: "27662162")),
                         Customer(name: "B\n", email: "b@example.com")] {
            #expect(try StoredJSON.customer(try Self.foundation(customer)) == customer)
            #expect(try Self.decoder.decode(Customer.self, from: Data(StoredJSON.encode(customer).utf8)) == customer)
        }
        for metadata in [[:], ["cart": "42", "ñ": "\u{01}x", "url": "https://a/b"]] as [[String: String]] {
            #expect(try StoredJSON.metadata(try Self.foundation(metadata)) == metadata)
            #expect(try Self.decoder.decode([String: String].self, from: Data(StoredJSON.encode(metadata).utf8)) == metadata)
        }
    }

    @Test func nextActionsReadBothWays() throws {
        let at = Date(timeIntervalSince1970: 1_795_705_445.123)
        for action in [NextAction.displayVoucher(code: "12345678", barcode: "0001", voucherURL: "https://v/1", expiresAt: at),
                       .displayVoucher(code: "1", barcode: nil, voucherURL: nil, expiresAt: nil), .redirect(url: "https://pay/x")] {
            #expect(try StoredJSON.nextAction(try Self.foundation(action)) == action)
            #expect(try Self.decoder.decode(NextAction.self, from: Data(StoredJSON.encode(action).utf8)) == action)
        }
        #expect(throws: (any Error).self) { try StoredJSON.nextAction(#"{"other":{}}"#) }
        #expect(throws: (any Error).self) { try StoredJSON.customer(#"{"name":1,"email":"x"}"#) }
    }

    /// Instants are written as GRDB writes them, so rows written before and after compare and read alike.
    @Test func datesAreGRDBsText() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: 0...4_102_444_800_000, using: &random)) / 1000)
            guard case .string(let grdb) = date.databaseValue.storage else { Issue.record("not text"); continue }
            #expect(Timestamps.sqlText(date) == grdb)
            let ours = Timestamps.parseSQLText(grdb).map { ($0.timeIntervalSince1970 * 1000).rounded() }
            #expect(ours == Date.fromDatabaseValue(grdb.databaseValue).map { ($0.timeIntervalSince1970 * 1000).rounded() })
        }
    }
}
