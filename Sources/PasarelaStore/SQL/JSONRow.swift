import Foundation
import PasarelaCore

/// A row the database handed over as a JSON object (a child row aggregated into its parent's, so that a payment with its
/// attempts and refunds is one statement): read by column name like any other row. Dates are SQLite's text form or
/// PostgreSQL's RFC 3339; booleans are `true`/`false` or 0/1.
struct JSONRow: SQLRow {
    let fields: [String: JSONValue]

    /// The rows of a JSON array of objects (`null` or empty: none).
    static func rows(_ text: String?) throws -> [JSONRow] {
        guard let text, !text.isEmpty else { return [] }
        let value: JSONValue
        do { value = try JSONValue.parse(Array(text.utf8)) } catch { throw CorruptRow("aggregated rows are not JSON") }
        switch value {
        case .null: return []
        case .array(let items):
            return try items.map { item in
                guard case .object(let fields) = item else { throw CorruptRow("an aggregated row is not an object") }
                return JSONRow(fields: fields)
            }
        default: throw CorruptRow("aggregated rows are not an array")
        }
    }

    private func value(_ column: String) -> JSONValue? {
        guard let value = fields[column], value != .null else { return nil }
        return value
    }

    func text(_ column: String) throws -> String? {
        guard let value = value(column) else { return nil }
        guard case .string(let text) = value else { throw CorruptRow("column \(column) is not text") }
        return text
    }

    func int(_ column: String) throws -> Int64? {
        guard let value = value(column) else { return nil }
        switch value {
        case .int(let number): return number
        case .decimal(let text): if let number = Int64(text) { return number }
        default: break
        }
        throw CorruptRow("column \(column) is not an integer")
    }

    func bool(_ column: String) throws -> Bool? {
        guard let value = value(column) else { return nil }
        switch value {
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        default: throw CorruptRow("column \(column) is not a boolean")
        }
    }

    func date(_ column: String) throws -> Date? {
        guard let text = try text(column) else { return nil }
        guard let date = Timestamps.parseSQLText(text) ?? Self.microseconds(text) else { throw CorruptRow("column \(column) is not a date") }
        return date
    }

    /// PostgreSQL's `2026-12-07T00:41:08.123456+00:00`, to the microsecond it keeps (``Timestamps/parse(_:)`` stops at the
    /// millisecond), and made the way PostgresNIO makes a binary timestamp's `Date` (microseconds since 2000-01-01), so
    /// a row read either way compares equal.
    static func microseconds(_ text: String) -> Date? {
        guard let dot = text.firstIndex(of: ".") else { return Timestamps.parse(text) }
        let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let whole = Timestamps.parse(String(text[..<dot]) + String(text[digits.endIndex...])),
              let fraction = Int64(String(digits.prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0)) else { return nil }
        let since2000 = (Int64(whole.timeIntervalSince1970) - 946_684_800) * 1_000_000 + fraction
        return Date(timeInterval: Double(since2000) / 1_000_000, since: Date(timeIntervalSince1970: 946_684_800))
    }

    func bytes(_ column: String) throws -> [UInt8]? {
        try text(column).map { Array($0.utf8) }
    }
}
