import Foundation
import GRDB
import PasarelaCore
import PasarelaStore
import Testing

/// What only the embedded store does: commit many writers' transactions together.
@Suite struct SQLiteStoreTests {
    let path = NSTemporaryDirectory() + "pasarela-store-\(UUID().uuidString)/test.sqlite"

    @Test func concurrentWritesShareCommits() async throws {
        let store = try SQLiteStore(path: path)
        let count = 200
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask { _ = try await store.create(Fixtures.payment(order: "o-\(index)"), idempotency: nil) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 100).count == 100)
        let commits = store.commitCount
        #expect(commits < count, "expected group commits, got \(commits) commits for \(count) writes")
        #expect(store.largestCommitGroup > 1)
    }

    @Test func aDatabaseFromANewerPasarelaIsRefused() async throws {
        _ = try SQLiteStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99_from_the_future')") }
        #expect(throws: StoreError.self) { try SQLiteStore(path: path) }
        do {
            _ = try SQLiteStore(path: path)
        } catch {
            #expect("\(error)".contains("v99_from_the_future"))
        }
    }
}
