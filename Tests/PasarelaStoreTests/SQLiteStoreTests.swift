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

    /// Reads by key run on the caller's thread; lists go to the pool's readers and resume later. Many of both at once
    /// must all finish: a thread waiting for a key read's connection must never wait for a list that needs that
    /// thread to resume (with one pool for both, two threads blocked on it deadlocked the gateway under load).
    @Test(.timeLimit(.minutes(1))) func keyReadsAndListsAtOnceAllFinish() async throws {
        let store = try SQLiteStore(path: path)
        var ids: [String] = []
        for index in 0..<20 {
            let payment = Fixtures.payment(order: "o-\(index)")
            _ = try await store.create(payment, idempotency: nil)
            ids.append(payment.id)
        }
        let known = ids
        let found = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<64 {
                group.addTask {
                    var found = 0
                    for round in 0..<40 {
                        if (task + round) % 3 == 0 {
                            found += try await store.payments(merchantId: "m1", orderId: nil, limit: 5).isEmpty ? 0 : 1
                        } else {
                            found += try await store.payment(id: known[(task + round) % known.count], merchantId: nil) == nil ? 0 : 1
                        }
                    }
                    return found
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(found == 64 * 40)
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
