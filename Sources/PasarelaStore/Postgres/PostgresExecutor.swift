import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Runs plans on PostgreSQL: a write plan in one transaction (READ COMMITTED; the compare-and-set and the unique
/// constraints make that enough), a read plan in one REPEATABLE READ snapshot. A connection that cannot be had within
/// the deadline, or is lost, is ``StoreError/unavailable(_:)``: the request answers 503 and the next one tries again.
struct PostgresExecutor: SQLExecutor {
    let client: PostgresClient
    let location: String
    let leaseDeadline: Duration
    let logger = Logger(label: "pasarela.postgres")

    init(client: PostgresClient, where location: String, leaseDeadline: Duration) {
        self.client = client
        self.location = location
        self.leaseDeadline = leaseDeadline
    }

    func write<Result: Sendable>(_ plan: WritePlan<Result>) async throws -> Result {
        let started = ContinuousClock.now
        defer { StoreMetrics.commit(store: "postgres", since: started) }
        return try await retryingConflicts {
            do {
                return try await withConnection { connection in
                    try await connection.withTransaction(logger: logger) { connection in try await Self.run(plan, on: connection) }
                }
            } catch let error as PostgresTransactionError {
                if let stopped = error.closureError as? StoppedPlan<Result> { return stopped.result }
                throw classify(error.closureError ?? error.beginError ?? error.commitError ?? error)
            }
        }
    }

    /// How many times a transaction the server aborted to break a deadlock or a serialization conflict is run again.
    static let conflictRetries = 3

    /// Runs `body` again when the server aborted its transaction for a deadlock (40P01) or a serialization failure
    /// (40001): nothing of it was kept, and the same plan is safe to run again.
    func retryingConflicts<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        var tries = 0
        while true {
            do {
                return try await body()
            } catch let error as StoreError {
                guard case .refused(let reason) = error, tries < Self.conflictRetries,
                      reason.hasSuffix("(SQLSTATE 40P01)") || reason.hasSuffix("(SQLSTATE 40001)") else { throw error }
                tries += 1
                StoreMetrics.conflictRetried(store: "postgres")
            }
        }
    }

    /// The read and the write in one READ COMMITTED transaction: the read's `FOR UPDATE` holds its rows until the commit,
    /// and the statements after the lock see what was committed before it.
    func write<Read: Sendable, Result: Sendable>(reading: ReadPlan<Read>,
                                                 then plan: @escaping @Sendable (Read) throws -> WritePlan<Result>) async throws -> Result {
        let started = ContinuousClock.now
        defer { StoreMetrics.commit(store: "postgres", since: started) }
        return try await retryingConflicts {
            do {
                return try await withConnection { connection in
                    try await connection.withTransaction(logger: logger) { connection in
                        var sets: [[any SQLRow]] = []
                        for statement in reading.statements { sets.append(try await Self.query(statement, on: connection)) }
                        let decided: WritePlan<Result>
                        do { decided = try plan(try reading.result(sets)) } catch { throw DecidingFailed(error: error) }
                        return try await Self.run(decided, on: connection)
                    }
                }
            } catch let error as PostgresTransactionError {
                if let stopped = error.closureError as? StoppedPlan<Result> { return stopped.result }
                // The caller's own refusal while deciding (it rolled the transaction back) is its, not the database's.
                if let deciding = error.closureError as? DecidingFailed { throw deciding.error }
                throw classify(error.closureError ?? error.beginError ?? error.commitError ?? error)
            }
        }
    }

    func read<Result: Sendable>(_ plan: ReadPlan<Result>) async throws -> Result {
        // One statement is its own snapshot: no transaction around it, one round trip.
        if plan.statements.count == 1 {
            return try await withConnection { connection in try plan.result([try await Self.query(plan.statements[0], on: connection)]) }
        }
        return try await withConnection { connection in
            try await Self.query(Statement("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"), on: connection)
            do {
                var sets: [[any SQLRow]] = []
                for statement in plan.statements { sets.append(try await Self.query(statement, on: connection)) }
                try await Self.query(Statement("COMMIT"), on: connection)
                return try plan.result(sets)
            } catch {
                _ = try? await Self.query(Statement("ROLLBACK"), on: connection)
                throw error
            }
        }
    }

    /// Statements on one connection, outside any transaction (migrations hold their advisory lock so).
    func session<Result: Sendable>(_ body: @Sendable @escaping (PostgresConnection) async throws -> Result) async throws -> Result {
        try await withConnection(body)
    }

    static func run<Result: Sendable>(_ plan: WritePlan<Result>, on connection: PostgresConnection) async throws -> Result {
        var last: [any SQLRow] = []
        for step in plan.steps {
            switch try PlanStepVerdict.judge(step, rows: try await query(step.statement, on: connection)) {
            case .next(let rows): last = rows
            case .stop(let stop):
                var then: [any SQLRow] = []
                for statement in stop.then { then = try await query(statement, on: connection) }
                let result = try stop.result(then)
                // Thrown out of the transaction, it rolls back what ran.
                guard stop.keep else { throw StoppedPlan(result: result) }
                return result
            }
        }
        return try plan.result(last)
    }

    @discardableResult
    static func query(_ statement: Statement, on connection: PostgresConnection) async throws -> [any SQLRow] {
        var bindings = PostgresBindings(capacity: statement.values.count)
        for value in statement.values {
            switch value {
            case .null: bindings.appendNull()
            case .text(let text): bindings.append(text)
            case .int(let number): bindings.append(number)
            case .bool(let flag): bindings.append(flag)
            case .date(let date): bindings.append(date)
            case .bytes(let bytes): try bindings.append(Data(bytes))
            }
        }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: statement.postgresSQL, binds: bindings), logger: Logger(label: "pasarela.sql"))
        var result: [any SQLRow] = []
        for try await row in rows { result.append(PostgresSQLRow(row: row.makeRandomAccess())) }
        return result
    }

    /// Leases a connection within the deadline; the body, once it has one, runs to its end.
    func withConnection<Result: Sendable>(_ body: @Sendable @escaping (PostgresConnection) async throws -> Result) async throws -> Result {
        let leased = LeaseFlag()
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        leased.set()
                        return try await body(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: leaseDeadline)
                    if leased.isSet { return nil }
                    throw StoreError.unavailable("no connection to \(location) within \(leaseDeadline)")
                }
                while let next = try await group.next() {
                    if let result = next {
                        group.cancelAll()
                        return result
                    }
                }
                throw StoreError.unavailable("no connection to \(location)")
            }
        } catch let error as StoreError {
            throw error
        } catch let error as PostgresTransactionError {
            throw error
        } catch {
            throw classify(error)
        }
    }

    /// A server's SQL error stays as it is; anything about reaching the server is `unavailable`.
    func classify(_ error: any Error) -> any Error {
        if error is StoredPlanMarker || error is StoreError || error is CorruptRow { return error }
        if let psql = error as? PSQLError {
            guard psql.code == .server else { return StoreError.unavailable("\(location): \(psql.code)") }
            let info = psql.serverInfo
            let state = info?[.sqlState] ?? "?"
            // 57P01 admin shutdown, 57P02/57P03 crash or starting up, 08xxx connection exceptions: the server is going away.
            if state.hasPrefix("08") || state.hasPrefix("57P") { return StoreError.unavailable("\(location): \(info?[.message] ?? state)") }
            return StoreError.refused("\(info?[.message] ?? "error") (SQLSTATE \(state))")
        }
        if error is CancellationError { return error }
        return StoreError.unavailable("\(location): \(String(describing: error).prefix(200))")
    }
}

/// Whether a connection was leased: set once, read by the deadline.
final class LeaseFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}

/// What the caller's decision threw inside a transaction that read before it wrote: passed on as it is.
struct DecidingFailed: Error, StoredPlanMarker {
    var error: any Error
}

/// Errors that carry a plan's own outcome, never a database failure.
protocol StoredPlanMarker: Error {}
extension StoppedPlan: StoredPlanMarker {}

/// A PostgreSQL row read by column name.
struct PostgresSQLRow: SQLRow {
    let row: PostgresRandomAccessRow

    func cell<T: PostgresDecodable>(_ column: String, _ type: T.Type) throws -> T? {
        guard row.contains(column) else { throw CorruptRow("no column \(column)") }
        let cell = row[column]
        guard cell.bytes != nil else { return nil }
        return try cell.decode(T.self)
    }

    func text(_ column: String) throws -> String? { try cell(column, String.self) }
    func int(_ column: String) throws -> Int64? { try cell(column, Int64.self) }
    func bool(_ column: String) throws -> Bool? { try cell(column, Bool.self) }
    func date(_ column: String) throws -> Date? { try cell(column, Date.self) }
    func bytes(_ column: String) throws -> [UInt8]? { try cell(column, Data.self).map(Array.init) }
}
