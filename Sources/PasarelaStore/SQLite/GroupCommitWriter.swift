import Foundation
import GRDB

/// The single writer of a SQLite database: a thread of its own that takes every transaction waiting when it is free
/// and commits them together in one transaction (one fsync), each inside its own savepoint so that one failing leaves
/// the others intact. No caller is resumed before the commit that holds its work is durable.
///
/// Callers hand their work over under a lock and wait on a continuation; the thread runs GRDB's synchronous write and
/// resumes them. That is one wake-up of the writer per group and one resumption per caller, with no actor or task
/// hops in between.
final class GroupCommitWriter: Sendable {
    private let queue: WriteQueue

    init(pool: DatabasePool) {
        queue = WriteQueue(pool: pool)
        let queue = self.queue
        let thread = Thread { queue.drain() }
        thread.name = "pasarela-sqlite-writer"
        thread.start()
    }

    /// Stops the thread once what waits is committed, and waits for it to let go of the database, so that the file is
    /// closed when the store is (a process may open it again at once).
    deinit { queue.stop() }

    /// The most transactions committed together so far, for benchmarks and tests.
    var largestGroup: Int { queue.statistics().largestGroup }
    var commits: Int { queue.statistics().commits }
    /// Transactions waiting for the commit under way to end.
    var waiting: Int { queue.statistics().waiting }

    /// Runs `body` in a transaction that may be shared with other writers' bodies.
    /// - Returns: the body's result, once durably committed.
    /// - Throws: the body's error (its savepoint is rolled back, others commit), or the commit's error.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.add(TypedWrite(body: body, continuation: continuation))
        }
    }
}

/// The writer thread's inbox.
final class WriteQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var pool: DatabasePool?
    private var pending: [any PendingWrite] = []
    private var stopped = false
    private var finished = false
    private var thread: Thread?

    init(pool: DatabasePool) { self.pool = pool }
    private var largestGroup = 0
    private var commits = 0

    func add(_ write: any PendingWrite) {
        condition.lock()
        pending.append(write)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        // The writer thread itself never waits for itself.
        if thread != Thread.current {
            while !finished { condition.wait() }
        }
        condition.unlock()
    }

    func statistics() -> (largestGroup: Int, commits: Int, waiting: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (largestGroup, commits, pending.count)
    }

    /// The writer thread: until stopped (and nothing is left), commit what waits as one group.
    func drain() {
        // The name `top -H`, perf and Benchmarks/load see (Foundation's `Thread.name` does not reach the kernel here).
        #if os(Linux)
        if let comm = fopen("/proc/thread-self/comm", "w") {
            fputs("sqlite-writer", comm)
            fclose(comm)
        }
        #endif
        condition.lock()
        thread = Thread.current
        condition.unlock()
        while true {
            condition.lock()
            while pending.isEmpty, !stopped { condition.wait() }
            if pending.isEmpty {
                self.pool = nil
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = pending, pool = self.pool
            pending = []
            largestGroup = max(largestGroup, batch.count)
            commits += 1
            condition.unlock()
            do {
                guard let pool else { throw DatabaseError(message: "the store is closed") }
                let started = ContinuousClock.now
                var ran = started
                try pool.write { db in
                    for job in batch { job.run(db) }
                    ran = ContinuousClock.now
                }
                WriterBusyMetrics.record(group: batch.count, running: ran - started, committing: ContinuousClock.now - ran)
                for job in batch { job.finish(commitError: nil) }
            } catch {
                for job in batch { job.finish(commitError: error) }
            }
        }
    }
}

protocol PendingWrite: Sendable {
    func run(_ db: Database)
    func finish(commitError: (any Error)?)
}

/// One waiting transaction. `run` happens inside the writer's transaction; `finish` after its commit.
final class TypedWrite<T: Sendable>: PendingWrite, @unchecked Sendable {
    let body: @Sendable (Database) throws -> T
    let continuation: CheckedContinuation<T, any Error>
    private var result: Result<T, any Error>?

    init(body: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func run(_ db: Database) {
        do {
            var value: T?
            try db.inSavepoint {
                value = try body(db)
                return .commit
            }
            result = .success(value!)
        } catch {
            result = .failure(error)
        }
    }

    func finish(commitError: (any Error)?) {
        if let commitError {
            continuation.resume(throwing: commitError)
        } else {
            continuation.resume(with: result ?? .failure(DatabaseError(message: "write was not run")))
        }
    }
}

/// How busy the one writer is, as counters on `/metrics`: its time running transactions' statements and committing them
/// (writing the WAL and syncing it), the groups it committed and the transactions in them. A writer busy all the time
/// is the ceiling of every durable write; these say how far from it a load is, and what one transaction costs it.
enum WriterBusyMetrics {
    /// Handles are looked up per group (not kept from the store's opening, which may come before metrics are set up).
    static func record(group: Int, running: Duration, committing: Duration) {
        MetricHandles.counter("pasarela_sqlite_writer_busy_microseconds_total", [("phase", "run")]).increment(by: Int64(running / .microseconds(1)))
        MetricHandles.counter("pasarela_sqlite_writer_busy_microseconds_total", [("phase", "commit")]).increment(by: Int64(committing / .microseconds(1)))
        MetricHandles.counter("pasarela_sqlite_writer_groups_total").increment()
        MetricHandles.counter("pasarela_sqlite_writer_transactions_total").increment(by: Int64(group))
    }
}
