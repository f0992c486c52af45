import PasarelaCore

/// A dotted path into a JSON document: `data.cip`, `items.0.id`.
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    public var keys: [String]

    /// `nil` for an empty path or an empty segment.
    public init?(_ text: String) {
        let keys = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !text.isEmpty, keys.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.keys = keys
    }

    public var description: String { keys.joined(separator: ".") }

    /// The value at the path, if any.
    public func value(in json: JSONValue) -> JSONValue? {
        var current = json
        for key in keys {
            switch current {
            case .object(let entries):
                guard let next = entries[key] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(key), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current == .null ? nil : current
    }

    /// The value as text: strings as they are, numbers in their shortest form, booleans as `true`/`false`.
    public func text(in json: JSONValue) -> String? {
        switch value(in: json) {
        case .string(let text): text
        case .int(let number): String(number)
        case .decimal(let text): text
        case .bool(let flag): String(flag)
        default: nil
        }
    }
}
