import Foundation

/// A value bound to a statement: what both stores keep.
public enum SQLValue: Sendable, Equatable {
    case null
    case text(String)
    case int(Int64)
    case bool(Bool)
    case date(Date)
    case bytes([UInt8])
}

/// A Swift value that binds to a statement.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .int(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .int(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .bool(self) } }
extension Date: SQLBindable { public var sqlValue: SQLValue { .date(self) } }
extension Array: SQLBindable where Element == UInt8 { public var sqlValue: SQLValue { .bytes(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }

/// One SQL statement written once for both stores: `?` placeholders, standard SQL both SQLite and PostgreSQL run
/// (`ON CONFLICT`, `RETURNING`, row values, `WITH … AS MATERIALIZED`), and `/*SKIP LOCKED*/` after the query that picks
/// rows to claim (a comment to SQLite, whose one writer already serialises claims; `FOR UPDATE SKIP LOCKED` to
/// PostgreSQL, so instances claim different rows), `/*FOR UPDATE*/` after a query whose rows the transaction holds until
/// it ends (a comment to SQLite, whose one writer holds everything; `FOR UPDATE` to PostgreSQL). The pick is a materialized CTE, run once: as an `IN (…)` subquery
/// PostgreSQL may evaluate it again and lock, skip and limit other rows than it returned.
public struct Statement: Sendable {
    public var sql: String
    public var values: [SQLValue]

    public init(_ sql: String, _ values: [(any SQLBindable)?] = []) {
        self.sql = sql
        self.values = values.map { $0?.sqlValue ?? .null }
    }

    /// The text PostgreSQL runs: `$1`, `$2`... for the placeholders, and the claim clause.
    public var postgresSQL: String {
        var out = "", number = 0, quoted = false
        let clauses = sql.replacingOccurrences(of: "/*SKIP LOCKED*/", with: "FOR UPDATE SKIP LOCKED")
            .replacingOccurrences(of: "/*FOR UPDATE*/", with: "FOR UPDATE")
            // JSON aggregation of child rows: SQLite's names, PostgreSQL's functions.
            .replacingOccurrences(of: "json_group_array(", with: "json_agg(")
            .replacingOccurrences(of: "json_object(", with: "json_build_object(")
        for character in clauses {
            if character == "'" { quoted.toggle() }
            if character == "?", !quoted {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        return out
    }
}
