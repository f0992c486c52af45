import Foundation
import PasarelaCore

/// A PSP answer's JSON object read field by field with the strict reader: absent and `null` fields are `nil`, and a
/// field of the wrong type makes the whole answer unreadable (``Unreadable``), as a PSP that changed a type must not be
/// half-read. Numbers stay exact: amounts are read from their text, never through a `Double`.
struct JSONFields {
    struct Unreadable: Error {}

    let fields: [String: JSONValue]

    init(_ value: JSONValue?) throws(Unreadable) {
        guard case .object(let fields)? = value else { throw Unreadable() }
        self.fields = fields
    }

    /// The object a whole body holds.
    static func parse(_ bytes: [UInt8]) throws(Unreadable) -> JSONFields {
        do { return try JSONFields(JSONValue.parse(bytes)) } catch { throw Unreadable() }
    }

    func value(_ key: String) -> JSONValue? {
        guard let value = fields[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(Unreadable) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw Unreadable() }
        return text
    }

    func required(_ key: String) throws(Unreadable) -> String {
        guard let text = try string(key) else { throw Unreadable() }
        return text
    }

    func int(_ key: String) throws(Unreadable) -> Int64? {
        guard let value = value(key) else { return nil }
        guard case .int(let number) = value else { throw Unreadable() }
        return number
    }

    func bool(_ key: String) throws(Unreadable) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw Unreadable() }
        return flag
    }

    /// A decimal amount as its exact text in plain notation (`150.00`, `150`); an exponent is spelled out.
    func decimalText(_ key: String) throws(Unreadable) -> String? {
        switch value(key) {
        case nil: return nil
        case .int(let number)?: return String(number)
        case .decimal(let text)? where !text.contains(where: { $0 == "e" || $0 == "E" }): return text
        case let number? where number.decimalValue != nil: return "\(number.decimalValue!)"
        default: throw Unreadable()
        }
    }

    /// A code written either as a number or as a numeric string (`100`, `"100"`).
    func code(_ key: String) throws(Unreadable) -> Int? {
        switch value(key) {
        case nil: return nil
        case .int(let number)?: return Int(exactly: number)
        case .string(let text)?: if let number = Int(text) { return number } else { throw Unreadable() }
        default: throw Unreadable()
        }
    }

    func object(_ key: String) throws(Unreadable) -> JSONFields? {
        guard let value = value(key) else { return nil }
        return try JSONFields(value)
    }

    func strings(_ key: String) throws(Unreadable) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw Unreadable() }
        var out: [String] = []
        for item in items {
            guard case .string(let text) = item else { throw Unreadable() }
            out.append(text)
        }
        return out
    }
}
