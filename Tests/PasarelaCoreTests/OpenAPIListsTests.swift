import Foundation
import PasarelaCore
import Testing

/// openapi.yaml repeats two lists the code owns (schemathesis generates from them): the currencies `Money` takes and
/// the countries a payment takes. They must stay the code's.
@Suite struct OpenAPIListsTests {
    static let document: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)) ?? ""
    }()

    /// The items of the first `enum: [...]` after `marker`.
    static func list(after marker: String) -> Set<String> {
        guard let start = document.range(of: marker),
              let open = document.range(of: "enum: [", range: start.upperBound..<document.endIndex),
              let close = document.range(of: "]", range: open.upperBound..<document.endIndex) else { return [] }
        return Set(document[open.upperBound..<close.lowerBound].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    @Test func currenciesAreTheCodes() {
        #expect(Self.list(after: "    Money:\n") == Set(Currency.table.keys))
    }

    @Test func countriesAreTheMarkets() {
        #expect(Self.list(after: "    PaymentCreate:\n") == Set(Market.currencies.keys))
        #expect(Self.list(after: "  /v1/routing/explain:\n") == Set(Market.currencies.keys))
    }
}
