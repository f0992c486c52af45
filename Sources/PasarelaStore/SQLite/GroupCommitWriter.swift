import GRDB

/// The single writer of a SQLite database. Transactions that arrive while a commit is under way wait and are
/// then committed together in one transaction (one fsync), each inside its own savepoint so that one failing
/// leaves the others intact. No caller is resumed before the commit that holds its work is durable.
actor GroupCommitWriter {
    private let pool: DatabasePool
    private var pending: [any PendingWrite] = []
    private var flushing = false
    /// The most transactions committed together so far, for benchmarks and tests.
    private(set) var largestGroup = 0
    private(set) var commits = 0
    /// Transactions waiting for the commit under way to end.
    var waiting: Int { pending.count }

    init(pool: DatabasePool) { self.pool = pool }

    /// Runs `body` in a transaction that may be shared with other writers' bodies.
    /// - Returns: the body's result, once durably committed.
    /// - Throws: the body's error (its savepoint is rolled back, others commit), or the commit's error.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(TypedWrite(body: body, continuation: continuation))
            if !flushing {
                flushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            largestGroup = max(largestGroup, batch.count)
            commits += 1
            do {
                try await pool.write { db in
                    for job in batch { job.run(db) }
                }
                for job in batch { job.finish(commitError: nil) }
            } catch {
                for job in batch { job.finish(commitError: error) }
            }
        }
        flushing = false
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
