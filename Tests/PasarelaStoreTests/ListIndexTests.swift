import Foundation
import GRDB
import PasarelaCore
@testable import PasarelaStore
import Testing

/// Every list a merchant can ask for is served by the index made for its filter, in index order: SQLite's plan searches
/// payments by that index (so a rare status is not found by walking every payment) and never sorts them in a temporary
/// B-tree, whatever the filter and however deep the page.
@Suite struct ListIndexTests {
    static let filters: [(String?, PaymentStatus?, String?)] = [
        (nil, nil, nil), (nil, .succeeded, nil), ("o-1", nil, nil), (nil, nil, "pay_cursor"),
        (nil, .requiresAction, "pay_cursor"), ("o-1", nil, "pay_cursor"), ("o-1", .failed, nil),
    ]

    @Test(arguments: 0..<filters.count) func aPageIsReadFromAnIndexWithoutASort(index: Int) async throws {
        let store = try SQLiteStore(path: NSTemporaryDirectory() + "pasarela-plans-\(UUID().uuidString)/test.sqlite")
        let (order, status, cursor) = Self.filters[index]
        let (filter, values) = PaymentRecord.listFilter(merchantId: "m1", orderId: order, status: status, startingAfter: cursor, limit: 21)
        let statement = Statement("EXPLAIN QUERY PLAN SELECT * FROM payments \(filter)", values)
        let plan = try await store.pool.read { db in
            try Row.fetchAll(db, sql: statement.sql, arguments: StatementArguments(statement.values.map(\.grdb))).map { $0["detail"] as String }
        }
        let text = plan.joined(separator: " | ")
        let index = order != nil ? "payments_merchant_order" : status != nil ? "payments_merchant_status" : "payments_merchant_created"
        #expect(!text.contains("TEMP B-TREE"), "\(text)")
        #expect(plan.first?.hasPrefix("SEARCH payments USING INDEX \(index) ") == true, "\(text)")
    }
}
