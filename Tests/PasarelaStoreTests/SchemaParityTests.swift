import Foundation
import PasarelaCore
import PasarelaStore
import PasarelaTestSupport
import Testing

/// The schema is written twice (SQLite's and PostgreSQL's migrations); this test keeps the two one schema: fresh
/// databases of both, migrated, must have the same tables, the same columns (type class, nullability, default), the same
/// indexes (columns, uniqueness, partial or not) and the same unique keys, and the same migrations applied.
@Suite(.enabled(if: TestPostgres.runs, Comment(rawValue: TestPostgres.skipReason)))
struct SchemaParityTests {
    /// A column as both stores can be compared on.
    struct Column: Hashable, CustomStringConvertible {
        var table: String
        var name: String
        /// `text` (text and times), `integer` (integers and booleans) or `bytes`.
        var kind: String
        var notNull: Bool
        var defaultValue: String?
        var description: String { "\(table).\(name) \(kind)\(notNull ? " NOT NULL" : "")\(defaultValue.map { " DEFAULT \($0)" } ?? "")" }
    }

    /// An index made by `CREATE INDEX` (not one a key made).
    struct Index: Hashable, CustomStringConvertible {
        var table: String
        var name: String
        var columns: [String]
        var partial: Bool
        var description: String { "\(name) ON \(table) (\(columns.joined(separator: ", ")))\(partial ? " WHERE …" : "")" }
    }

    struct Schema {
        var columns: Set<Column> = []
        var indexes: Set<Index> = []
        /// Primary keys and unique constraints, as "table(columns)".
        var uniqueKeys: Set<String> = []
        var migrations: Set<String> = []
    }

    @Test func bothStoresMigrateToOneSchema() async throws {
        let sqlite = try await StoreHandle.make(.sqlite)
        let postgres = try await StoreHandle.make(.postgres)
        do {
            let mine = try await Self.sqliteSchema(try await sqlite.open())
            let theirs = try await Self.postgresSchema(try await postgres.open())
            #expect(mine.columns.count > 100 && mine.indexes.count > 15 && mine.uniqueKeys.count > 10, "\(mine.columns.count) \(mine.indexes.count)")
            #expect(theirs.columns.count > 100 && theirs.indexes.count > 15 && theirs.uniqueKeys.count > 10, "\(theirs.columns.count) \(theirs.indexes.count)")
            print("schema parity: \(mine.columns.count) columns, \(mine.indexes.count) indexes, \(mine.uniqueKeys.count) unique keys, \(mine.migrations.count) migrations")
            #expect(mine.migrations == theirs.migrations, "migrations only SQLite has: \(mine.migrations.subtracting(theirs.migrations).sorted()); only PostgreSQL: \(theirs.migrations.subtracting(mine.migrations).sorted())")
            let onlySQLite = mine.columns.subtracting(theirs.columns), onlyPostgres = theirs.columns.subtracting(mine.columns)
            #expect(onlySQLite.isEmpty && onlyPostgres.isEmpty,
                    "columns only in SQLite: \(onlySQLite.map(\.description).sorted()); only in PostgreSQL: \(onlyPostgres.map(\.description).sorted())")
            let indexesSQLite = mine.indexes.subtracting(theirs.indexes), indexesPostgres = theirs.indexes.subtracting(mine.indexes)
            #expect(indexesSQLite.isEmpty && indexesPostgres.isEmpty,
                    "indexes only in SQLite: \(indexesSQLite.map(\.description).sorted()); only in PostgreSQL: \(indexesPostgres.map(\.description).sorted())")
            #expect(mine.uniqueKeys == theirs.uniqueKeys,
                    "unique keys only in SQLite: \(mine.uniqueKeys.subtracting(theirs.uniqueKeys).sorted()); only in PostgreSQL: \(theirs.uniqueKeys.subtracting(mine.uniqueKeys).sorted())")
        } catch {
            await sqlite.finish()
            await postgres.finish()
            throw error
        }
        await sqlite.finish()
        await postgres.finish()
    }

    /// Tables the stores keep for themselves.
    static let bookkeeping: Set<String> = ["grdb_migrations", "pasarela_migrations", "sqlite_sequence"]

    /// A catalog row, read inside the plan: text columns and integer (or boolean) columns by name.
    struct Row: Sendable {
        var texts: [String: String] = [:]
        var ints: [String: Int64] = [:]
        func text(_ name: String) -> String? { texts[name] }
        func text(required name: String) throws -> String {
            guard let value = texts[name] else { throw SchemaUnreadable() }
            return value
        }
        func int(_ name: String) -> Int64? { ints[name] }
        func bool(_ name: String) -> Bool? { ints[name].map { $0 != 0 } }
    }

    /// The rows of a catalog query; `texts` and `ints` name the columns to read as such (`bools` for PostgreSQL booleans).
    static func rows(_ store: any PaymentStore, _ sql: String, _ values: [(any SQLBindable)?] = [], texts: [String] = [],
                     ints: [String] = [], bools: [String] = []) async throws -> [Row] {
        guard let backed = store as? any SQLBackedStore else { throw SchemaUnreadable() }
        return try await backed.executor.read(ReadPlan([Statement(sql, values)]) { sets in
            try sets[0].map { row in
                var read = Row()
                for name in texts { read.texts[name] = try row.text(name) }
                for name in ints { read.ints[name] = try row.int(name) }
                for name in bools { read.ints[name] = try row.bool(name).map { $0 ? 1 : 0 } }
                return read
            }
        })
    }

    static func sqliteSchema(_ store: any PaymentStore) async throws -> Schema {
        var schema = Schema()
        let tables = try await rows(store, "SELECT name FROM sqlite_master WHERE type = 'table'", texts: ["name"]).compactMap { $0.text("name") }
            .filter { !bookkeeping.contains($0) }
        for table in tables {
            let info = try await rows(store, "SELECT name, type, \"notnull\" AS not_null, dflt_value, pk FROM pragma_table_info(?)", [table],
                                         texts: ["name", "type", "dflt_value"], ints: ["not_null", "pk"])
            var primary: [(Int64, String)] = []
            for column in info {
                let name = try column.text(required: "name")
                let pk = column.int("pk") ?? 0
                if pk > 0 { primary.append((pk, name)) }
                schema.columns.insert(Column(table: table, name: name, kind: kind(sqlite: column.text("type") ?? ""),
                                             notNull: (column.int("not_null") ?? 0) == 1 || pk > 0,
                                             defaultValue: normalizedDefault(column.text("dflt_value"))))
            }
            if !primary.isEmpty { schema.uniqueKeys.insert("\(table)(\(primary.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ", ")))") }
            for index in try await rows(store, "SELECT name, origin, partial FROM pragma_index_list(?)", [table], texts: ["name", "origin"],
                                        ints: ["partial"]) {
                let name = try index.text(required: "name")
                let columns = try await rows(store, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", [name], texts: ["name"])
                    .compactMap { $0.text("name") }
                switch index.text("origin") ?? "c" {
                case "u": schema.uniqueKeys.insert("\(table)(\(columns.joined(separator: ", ")))")
                case "pk": continue
                default: schema.indexes.insert(Index(table: table, name: name, columns: columns, partial: (index.int("partial") ?? 0) == 1))
                }
            }
        }
        schema.migrations = Set(try await rows(store, "SELECT identifier FROM grdb_migrations", texts: ["identifier"]).compactMap { $0.text("identifier") })
        return schema
    }

    static func postgresSchema(_ store: any PaymentStore) async throws -> Schema {
        var schema = Schema()
        let columns = try await rows(store, """
            SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
            FROM information_schema.columns WHERE table_schema = 'public'
            """, texts: ["table_name", "column_name", "data_type", "is_nullable", "column_default", "is_identity"])
        for column in columns {
            let table = try column.text(required: "table_name")
            guard !bookkeeping.contains(table) else { continue }
            let identity = column.text("is_identity") == "YES"
            schema.columns.insert(Column(table: table, name: try column.text(required: "column_name"),
                                         kind: kind(postgres: column.text("data_type") ?? ""),
                                         notNull: column.text("is_nullable") == "NO",
                                         defaultValue: identity ? nil : normalizedDefault(column.text("column_default"))))
        }
        let indexes = try await rows(store, """
            SELECT t.relname AS table_name, i.relname AS index_name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary,
                   ix.indpred IS NOT NULL AS partial, c.contype AS constraint_type,
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                                         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS columns
            FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_constraint c ON c.conindid = ix.indexrelid
            WHERE n.nspname = 'public'
            """, texts: ["table_name", "index_name", "constraint_type", "columns"], bools: ["partial"])
        for index in indexes {
            let table = try index.text(required: "table_name")
            guard !bookkeeping.contains(table) else { continue }
            let columns = (index.text("columns") ?? "").split(separator: ",").map(String.init)
            if index.text("constraint_type") != nil {
                // A primary key or a unique constraint.
                schema.uniqueKeys.insert("\(table)(\(columns.joined(separator: ", ")))")
            } else {
                schema.indexes.insert(Index(table: table, name: try index.text(required: "index_name"), columns: columns,
                                            partial: index.bool("partial") ?? false))
            }
        }
        schema.migrations = Set(try await rows(store, "SELECT id FROM pasarela_migrations", texts: ["id"]).compactMap { $0.text("id") })
        return schema
    }

    /// SQLite's declared types by their class: dates are text in SQLite, booleans integers.
    static func kind(sqlite type: String) -> String {
        switch type.uppercased() {
        case "INTEGER": "integer"
        case "BLOB": "bytes"
        default: "text"
        }
    }

    static func kind(postgres type: String) -> String {
        switch type {
        case "bigint", "integer", "boolean", "smallint": "integer"
        case "bytea": "bytes"
        default: "text"
        }
    }

    /// A default as both write it: `0`/`FALSE`, `1`/`TRUE`, `'create'`/`'create'::text`.
    static func normalizedDefault(_ value: String?) -> String? {
        guard let value else { return nil }
        let bare = value.replacingOccurrences(of: "::text", with: "")
        switch bare.lowercased() {
        case "false": return "0"
        case "true": return "1"
        default: return bare
        }
    }
}

struct SchemaUnreadable: Error {}
