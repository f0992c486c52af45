import Dispatch
import Foundation
import GRDB
import PasarelaCore
@testable import PasarelaStore
import PasarelaTestSupport
import Testing

/// Group commit never acknowledges what is not durable: callers resume after their COMMIT, a failed COMMIT fails
/// every caller in its group, and the file is opened in WAL with `synchronous=FULL`.
@Suite struct DurabilityTests {
    let path = NSTemporaryDirectory() + "pasarela-durability-\(UUID().uuidString)/test.sqlite"

    @Test func theStoreOpensInWALWithFullSynchronousOnEveryConnection() async throws {
        let store = try SQLiteStore(path: path)
        let writing = try await store.pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(writing.0 == "wal")
        #expect(writing.1 == 2, "synchronous=FULL is 2")
        let reading = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(reading == 2)
    }

    /// A second store on the same database stands for another instance or process: it sees only what is committed.
    @Test(arguments: StoreKind.available) func everyCreateIsReadableTheMomentItsCallReturns(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { handle, store in
            let other = try await handle.open()
            let missing = try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        let payment = Fixtures.payment(order: "ryw-\(index)")
                        guard try await store.create(payment, idempotency: nil) == .created else { return "\(payment.id) not created" }
                        let mine = try await store.payment(id: payment.id, merchantId: "m1")
                        let theirs = try await other.payment(id: payment.id, merchantId: "m1")
                        return mine != nil && theirs != nil ? nil : "\(payment.id) unread (own \(mine != nil), other \(theirs != nil))"
                    }
                }
                return try await group.reduce(into: [String]()) { if let miss = $1 { $0.append(miss) } }
            }
            #expect(missing.isEmpty, "\(missing.prefix(5))")
        }
    }

    @Test func aFailedCommitFailsEveryCallerInItsGroupAndAcknowledgesNone() async throws {
        let store = try SQLiteStore(path: path)
        let failing = FailingCommit()
        try await store.pool.writeWithoutTransaction { db in db.add(transactionObserver: failing, extent: .databaseLifetime) }
        // Hold the writer inside a transaction so that the creates below pile up into one group behind it.
        let gate = DispatchSemaphore(value: 0)
        let blocker = Task { try await store.writer.write { _ in gate.wait() } }
        let payments = (0..<20).map { Fixtures.payment(order: "group-\($0)") }
        let results = Task {
            await withTaskGroup(of: Result<CreateResult, any Error>.self) { group in
                for payment in payments {
                    group.addTask {
                        do { return .success(try await store.create(payment, idempotency: nil)) } catch { return .failure(error) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        while store.writer.waiting < payments.count { try await Task.sleep(for: .milliseconds(2)) }
        failing.arm()
        gate.signal()
        try await blocker.value
        let outcomes = await results.value
        #expect(outcomes.count == payments.count)
        for outcome in outcomes {
            if case .success(let created) = outcome { Issue.record("a create was acknowledged by a failed commit: \(created)") }
        }
        #expect(failing.failures == 1, "the group's one COMMIT failed")
        for payment in payments { #expect(try await store.payment(id: payment.id, merchantId: "m1") == nil) }
        // The writer goes on: the next write commits.
        let later = Fixtures.payment(order: "after")
        #expect(try await store.create(later, idempotency: nil) == .created)
        #expect(try await store.payment(id: later.id, merchantId: "m1") != nil)
    }
}

/// Fails the next COMMIT of a transaction that wrote payments, once armed: SQLite then rolls the transaction back.
final class FailingCommit: TransactionObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var armed = false
    private var touched = false
    private var failed = 0
    var failures: Int { lock.withLock { failed } }

    struct Refused: Error {}

    func arm() { lock.withLock { armed = true } }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { eventKind.tableName == "payments" }
    func databaseDidChange(with event: DatabaseEvent) { lock.withLock { touched = true } }
    func databaseWillCommit() throws {
        try lock.withLock {
            guard armed, touched else { return }
            armed = false
            failed += 1
            throw Refused()
        }
    }
    func databaseDidCommit(_ db: Database) { lock.withLock { touched = false } }
    func databaseDidRollback(_ db: Database) { lock.withLock { touched = false } }
}
