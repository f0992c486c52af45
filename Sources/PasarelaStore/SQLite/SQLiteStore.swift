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
        // GRDB's pool turns its writer to synchronous=NORMAL when it enables WAL, after `prepareDatabase`: a commit
        // would then reach the disk only at the next checkpoint. FULL syncs the WAL at every commit, before any
        // caller is answered.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let migrator = SQLiteMigrations.migrator
        let unknown = try pool.read { db in try migrator.appliedIdentifiers(db).subtracting(Set(migrator.migrations)) }
        guard unknown.isEmpty else { throw StoreError.schemaTooNew(unknown.sorted()) }
        try migrator.migrate(pool)
        writer = GroupCommitWriter(pool: pool)
        // Reads by key run on the caller's thread, from connections of their own: a thread waiting for one of them waits
        // only for another thread's read that is running, never for a read suspended until an event loop is free
        // (the main pool's async reads hold their connection across such a suspension: an event loop blocked on that
        // pool could wait for itself).
        var keyReading = Configuration()
        keyReading.readonly = true
        keyReading.maximumReaderCount = 8
        keyReading.prepareDatabase { db in try db.execute(sql: "PRAGMA busy_timeout = 5000") }
        let keyReads = try DatabasePool(path: path, configuration: keyReading)
        executor = SQLiteExecutor(pool: pool, keyReads: keyReads, writer: writer)
    }

    /// The largest number of transactions committed together so far.
    public var largestCommitGroup: Int { writer.largestGroup }
    public var commitCount: Int { writer.commits }
}

/// Runs plans on SQLite: writes through the group-commit writer, each plan in its own savepoint, reads from a snapshot.
struct SQLiteExecutor: SQLExecutor {
    let pool: DatabasePool
    /// Read-only connections for ``ReadPlan/byKey`` reads, each held only while a thread runs its read.
    let keyReads: DatabasePool
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
        if plan.byKey { return try readHere(plan) }
        return try await pool.read { db in try plan.result(try plan.statements.map { try Self.rows($0, in: db) }) }
    }

    /// A read by key, on the calling thread: GRDB's synchronous read takes a reader connection and runs on this thread
    /// (a serial queue's `sync` does not switch threads), tens of microseconds, instead of a hop to a reader's queue
    /// and a resumption back on the caller's executor.
    private func readHere<Result: Sendable>(_ plan: ReadPlan<Result>) throws -> Result {
        try keyReads.read { db in try plan.result(try plan.statements.map { try Self.rows($0, in: db) }) }
    }

    /// The read and the write run on the writer, in one savepoint of its group: nothing else writes in between.
    func write<Read: Sendable, Result: Sendable>(reading: ReadPlan<Read>,
                                                 then plan: @escaping @Sendable (Read) throws -> WritePlan<Result>) async throws -> Result {
        let started = ContinuousClock.now
        defer { StoreMetrics.commit(store: "sqlite", since: started) }
        do {
            return try await writer.write { db in
                let read = try reading.result(try reading.statements.map { try Self.rows($0, in: db) })
                return try Self.run(try plan(read), in: db)
            }
        } catch let stopped as StoppedPlan<Result> {
            return stopped.result
        }
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
        let prepared = try db.cachedStatement(sql: statement.sql)
        let columns = SQLiteRow.Columns(prepared.columnNames)
        var rows: [any SQLRow] = []
        let cursor = try Row.fetchCursor(prepared, arguments: StatementArguments(statement.values.map(\.grdb)))
        while let row = try cursor.next() { rows.append(SQLiteRow(columns: columns, values: Array(row.databaseValues))) }
        return rows
    }
}

extension SQLValue {
    var grdb: (any DatabaseValueConvertible)? {
        switch self {
        case .null: nil
        case .text(let text): text
        case .int(let value): value
        case .bool(let value): value
        // GRDB's own text for dates (`YYYY-MM-DD HH:MM:SS.SSS`, UTC), written without a DateFormatter.
        case .date(let date): Timestamps.sqlText(date)
        case .bytes(let bytes): Data(bytes)
        }
    }
}

/// A row read from SQLite: its values by position, and the statement's column names mapped to positions once per
/// statement (GRDB's `Row` looks a name up column by column, which showed in every list).
struct SQLiteRow: SQLRow {
    final class Columns: Sendable {
        let index: [String: Int]
        init(_ names: [String]) {
            var index: [String: Int] = [:]
            for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
            self.index = index
        }
    }

    let columns: Columns
    let values: [DatabaseValue]

    func value(_ column: String) -> DatabaseValue? {
        guard let position = columns.index[column] else { return nil }
        let value = values[position]
        return value.isNull ? nil : value
    }

    func read<T: DatabaseValueConvertible>(_ column: String, as type: T.Type) throws -> T? {
        guard let value = value(column) else { return nil }
        guard let read = T.fromDatabaseValue(value) else { throw CorruptRow("column \(column) does not hold a \(T.self)") }
        return read
    }

    func text(_ column: String) throws -> String? { try read(column, as: String.self) }
    func int(_ column: String) throws -> Int64? { try read(column, as: Int64.self) }
    func bool(_ column: String) throws -> Bool? { try read(column, as: Bool.self) }
    func date(_ column: String) throws -> Date? {
        if case .string(let text)? = value(column)?.storage, let date = Timestamps.parseSQLText(text) { return date }
        return try read(column, as: Date.self)
    }
    func bytes(_ column: String) throws -> [UInt8]? { try read(column, as: Data.self).map(Array.init) }
}
