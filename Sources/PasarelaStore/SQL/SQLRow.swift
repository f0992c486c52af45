import Foundation

/// A row as both stores return it, read by column name. A column that holds NULL reads as `nil`.
public protocol SQLRow {
    func text(_ column: String) throws -> String?
    func int(_ column: String) throws -> Int64?
    func bool(_ column: String) throws -> Bool?
    func date(_ column: String) throws -> Date?
    func bytes(_ column: String) throws -> [UInt8]?
}

/// A row that does not hold what the schema promises.
public struct CorruptRow: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension SQLRow {
    /// A column that may not be NULL.
    func required<T>(_ column: String, _ read: (String) throws -> T?) throws -> T {
        guard let value = try read(column) else { throw CorruptRow("column \(column) is NULL") }
        return value
    }

    func text(required column: String) throws -> String { try required(column, text) }
    func int(required column: String) throws -> Int64 { try required(column, int) }
    func bool(required column: String) throws -> Bool { try required(column, bool) }
    func date(required column: String) throws -> Date { try required(column, date) }
    func bytes(required column: String) throws -> [UInt8] { try required(column, bytes) }
}
