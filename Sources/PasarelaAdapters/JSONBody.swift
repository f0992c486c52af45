import PasarelaCore

/// A JSON document with its key order fixed, serialised to exact bytes. Adapters build PSP bodies with it
/// so the bytes signed are the bytes sent, and decimal amounts are written as literals (`150.00`), never floats.
public indirect enum JSONBody: Sendable, Equatable {
    case object([(String, JSONBody)])
    case array([JSONBody])
    case string(String)
    /// A number written verbatim: `"150.00"`, `"15000"`.
    case number(String)
    case bool(Bool)
    case null
    /// JSON serialised already (a stored transcript), written as it is.
    case raw([UInt8])

    public static func == (lhs: JSONBody, rhs: JSONBody) -> Bool { lhs.bytes == rhs.bytes }

    /// An object from pairs, dropping the pairs whose value is `nil`.
    public static func fields(_ pairs: [(String, JSONBody?)]) -> JSONBody {
        .object(pairs.compactMap { key, value in value.map { (key, $0) } })
    }

    /// A string, or `nil` to leave the field out.
    public static func string(_ value: String?) -> JSONBody? { value.map(JSONBody.string) }

    /// The compact UTF-8 serialisation (no spaces).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out)
        return out
    }

    func write(to out: inout [UInt8]) {
        switch self {
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.writeString(pair.0, to: &out)
                out.append(UInt8(ascii: ":"))
                pair.1.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let text): JSONText.writeString(text, to: &out)
        case .number(let literal): out.append(contentsOf: literal.utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .raw(let bytes): out.append(contentsOf: bytes.isEmpty ? Array("null".utf8) : bytes)
        }
    }
}
