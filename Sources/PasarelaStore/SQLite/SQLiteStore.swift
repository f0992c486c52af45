import Foundation
import GRDB
import PasarelaCore

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, written through a group-commit writer
/// and read concurrently. One process writes it; several gateway instances need ``PostgresStore``.
public final class SQLiteStore: SQLBackedStore {
    let pool: DatabasePool
    let writer: GroupCommitWriter
    public let executor: any SQLExecutor

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    /// - Throws: ``StoreError/schemaTooNew(_:)`` when the file was migrated by a newer Pasarela.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA busy_timeout = 5000")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        pool = try DatabasePool(path: path, configuration: configuration)
        let migrator = SQLiteMigrations.migrator
        let unknown = try pool.read { db in try migrator.appliedIdentifiers(db).subtracting(Set(migrator.migrations)) }
        guard unknown.isEmpty else { throw StoreError.schemaTooNew(unknown.sorted()) }
        try migrator.migrate(pool)
        writer = GroupCommitWriter(pool: pool)
        executor = SQLiteExecutor(pool: pool, writer: writer)
    }

    /// The largest number of transactions committed together so far.
    public var largestCommitGroup: Int { get async { await writer.largestGroup } }
    public var commitCount: Int { get async { await writer.commits } }
}

/// Runs plans on SQLite: writes through the group-commit writer, each plan in its own savepoint, reads from a snapshot.
struct SQLiteExecutor: SQLExecutor {
    let pool: DatabasePool
    let writer: GroupCommitWriter

    func write<Result: Sendable>(_ plan: WritePlan<Result>) async throws -> Result {
        let started = ContinuousClock.now
        defer { StoreMetrics.commit(store: "sqlite", since: started) }
        do {
            return try await writer.write { db in try Self.run(plan, in: db) }
        } catch let stopped as StoppedPlan<Result> {
            return stopped.result
        }
    }

    func read<Result: Sendable>(_ plan: ReadPlan<Result>) async throws -> Result {
        try await pool.read { db in try plan.result(try plan.statements.map { try Self.rows($0, in: db) }) }
    }

    static func run<Result: Sendable>(_ plan: WritePlan<Result>, in db: Database) throws -> Result {
        var last: [any SQLRow] = []
        for step in plan.steps {
            switch try PlanStepVerdict.judge(step, rows: try rows(step.statement, in: db)) {
            case .next(let rows): last = rows
            case .stop(let stop):
                var then: [any SQLRow] = []
                for statement in stop.then { then = try rows(statement, in: db) }
                let result = try stop.result(then)
                // Thrown out of the savepoint, it rolls back what ran.
                guard stop.keep else { throw StoppedPlan(result: result) }
                return result
            }
        }
        return try plan.result(last)
    }

    /// Runs one statement from the connection's statement cache: each SQL text is compiled (and its columns
    /// authorized) once per connection, not on every execution.
    static func rows(_ statement: Statement, in db: Database) throws -> [any SQLRow] {
        try Row.fetchAll(db.cachedStatement(sql: statement.sql), arguments: StatementArguments(statement.values.map(\.grdb)))
    }
}

extension SQLValue {
    var grdb: (any DatabaseValueConvertible)? {
        switch self {
        case .null: nil
        case .text(let text): text
        case .int(let value): value
        case .bool(let value): value
        case .date(let date): date
        case .bytes(let bytes): Data(bytes)
        }
    }
}

extension Row: SQLRow {
    public func text(_ column: String) throws -> String? { self[column] }
    public func int(_ column: String) throws -> Int64? { self[column] }
    public func bool(_ column: String) throws -> Bool? { self[column] }
    public func date(_ column: String) throws -> Date? { self[column] }
    public func bytes(_ column: String) throws -> [UInt8]? { (self[column] as Data?).map(Array.init) }
}
