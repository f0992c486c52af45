import Foundation
import PasarelaCore
import Testing

/// The JSON reader reads every PSP answer, so it is checked against Foundation's `JSONSerialization` on random
/// documents and on random mutations of them: where both accept, they agree on every value; where only one accepts,
/// it is the reader being stricter for a reason it names (a key twice, an integer beyond 64 bits, an exponent beyond
/// four digits, nesting beyond 64, a lone surrogate) and never Foundation being stricter.
@Suite struct JSONReaderDifferentialTests {
    /// SplitMix64: the same documents on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let strictReasons = ["appears twice", "beyond 64 bits", "exponent out of range", "nesting too deep", "lone surrogate"]

    /// Whether a value read by the reader is the one Foundation read.
    static func same(_ ours: JSONValue, _ theirs: Any) -> Bool {
        switch ours {
        case .null: return theirs is NSNull
        case .bool(let value):
            guard let number = theirs as? NSNumber, isBoolean(number) else { return false }
            return number.boolValue == value
        case .int(let value):
            guard let number = theirs as? NSNumber, !isBoolean(number) else { return false }
            // Foundation keeps integers exactly up to 64 bits; a double it chose for a huge value may round.
            return number.int64Value == value || abs(number.doubleValue - Double(value)) <= abs(Double(value)) * 1e-15
        case .decimal(let text):
            guard let number = theirs as? NSNumber, !isBoolean(number), let expected = Double(text) else { return false }
            let actual = number.doubleValue
            return actual == expected || abs(actual - expected) <= max(abs(expected), 1e-300) * 1e-12
        case .string(let value): return (theirs as? String) == value
        case .array(let items):
            guard let other = theirs as? [Any], other.count == items.count else { return false }
            return zip(items, other).allSatisfy { same($0, $1) }
        case .object(let fields):
            guard let other = theirs as? [String: Any], other.count == fields.count else { return false }
            return fields.allSatisfy { key, value in other[key].map { same(value, $0) } ?? false }
        }
    }

    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c" || type(of: number) == type(of: NSNumber(value: true))
    }

    // MARK: - Documents

    static func document(_ random: inout Generator, depth: Int = 0) -> String {
        let choice = depth > 4 ? Int.random(in: 0..<5, using: &random) : Int.random(in: 0..<8, using: &random)
        switch choice {
        case 0: return ["true", "false", "null"].randomElement(using: &random)!
        case 1: return integer(&random)
        case 2: return decimal(&random)
        case 3, 4: return string(&random)
        case 5: return array(&random, depth: depth)
        default: return object(&random, depth: depth)
        }
    }

    static func space(_ random: inout Generator) -> String {
        Int.random(in: 0..<4, using: &random) == 0 ? [" ", "\n", "\t", "\r\n  "].randomElement(using: &random)! : ""
    }

    static func integer(_ random: inout Generator) -> String {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return String(Int.random(in: -10...10, using: &random))
        case 1: return String(Int64.random(in: Int64.min...Int64.max, using: &random))
        default: return String(Int.random(in: -1_000_000_000...1_000_000_000_000, using: &random))
        }
    }

    static func decimal(_ random: inout Generator) -> String {
        var text = String(Int.random(in: -99_999...99_999, using: &random))
        if Bool.random(using: &random) { text += "." + String(Int.random(in: 0...999_999, using: &random)) }
        if Int.random(in: 0..<3, using: &random) == 0 {
            text += ["e", "E"].randomElement(using: &random)! + ["", "+", "-"].randomElement(using: &random)!
                + String(Int.random(in: 0...30, using: &random))
        } else if !text.contains(".") {
            text += ".0"
        }
        return text
    }

    static let alphabet: [String] = ["a", "z", "Q", "0", " ", "ñ", "é", "😀", "中", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9",
                                     "\\ud83d\\ude00", "\\u0000", "\\b", "\\f", "\\r", "'", "{", "]", ","]

    static func string(_ random: inout Generator) -> String {
        let count = Int.random(in: 0..<12, using: &random)
        return "\"" + (0..<count).map { _ in alphabet.randomElement(using: &random)! }.joined() + "\""
    }

    static func array(_ random: inout Generator, depth: Int) -> String {
        let count = Int.random(in: 0..<5, using: &random)
        let items = (0..<count).map { _ in space(&random) + document(&random, depth: depth + 1) + space(&random) }
        return "[" + items.joined(separator: ",") + "]"
    }

    static func object(_ random: inout Generator, depth: Int) -> String {
        let count = Int.random(in: 0..<5, using: &random)
        var keys: [String] = []
        for _ in 0..<count {
            let key = string(&random)
            if !keys.contains(key) { keys.append(key) }
        }
        let fields = keys.map { key in space(&random) + key + space(&random) + ":" + space(&random) + document(&random, depth: depth + 1) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func mutate(_ bytes: [UInt8], _ random: inout Generator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            let interesting: [UInt8] = Array("{}[],:\"\\-+.eE0123456789 tfn".utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
            switch Int.random(in: 0..<4, using: &random) {
            case 0 where !bytes.isEmpty: bytes.remove(at: position)
            case 1: bytes.insert(interesting.randomElement(using: &random)!, at: position)
            case 2 where !bytes.isEmpty: bytes[position] = interesting.randomElement(using: &random)!
            default:
                let end = min(bytes.count, position + Int.random(in: 1...6, using: &random))
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            }
        }
        return bytes
    }

    // MARK: - Checks

    /// - Returns: a problem, or `nil` when the reader and Foundation agree.
    static func compare(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes.prefix(200), as: UTF8.self)
        let ours = Result { () throws(JSONValue.ParseError) -> JSONValue in try JSONValue.parse(bytes) }
        // Foundation guesses UTF-16 and UTF-32 from NUL bytes; JSON exchanged between systems is UTF-8 (RFC 8259), in
        // which a raw NUL is never valid.
        if bytes.contains(0) {
            if case .success = ours { return "accepted a raw NUL: \(text)" }
            return nil
        }
        let theirs = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        switch (ours, theirs) {
        case (.success(let value), let reference?):
            return same(value, reference) ? nil : "values differ: \(text)"
        case (.success, nil):
            return "accepted what Foundation refuses: \(text)"
        case (.failure(let error), _?):
            return strictReasons.contains(where: error.message.contains) ? nil : "refused (\(error.message)) what Foundation accepts: \(text)"
        case (.failure, nil):
            return nil
        }
    }

    @Test func randomDocumentsReadAsFoundationReadsThem() {
        var random = Generator(state: 20_261_130)
        var problems: [String] = []
        for _ in 0..<4000 {
            let bytes = Array((Self.space(&random) + Self.document(&random) + Self.space(&random)).utf8)
            if let problem = Self.compare(bytes) { problems.append(problem) }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    @Test func mutatedDocumentsAreRefusedWhereFoundationRefusesThem() {
        var random = Generator(state: 7)
        var problems: [String] = []
        var bothAccepted = 0
        for _ in 0..<6000 {
            let bytes = Self.mutate(Array(Self.document(&random).utf8), &random)
            if let problem = Self.compare(bytes) { problems.append(problem) }
            if (try? JSONValue.parse(bytes)) != nil { bothAccepted += 1 }
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(bothAccepted > 100, "the mutations leave some documents valid")
    }

    @Test func theStricterCasesAreRefusedWithTheirReason() {
        for (text, reason) in [(#"{"a":1,"a":2}"#, "appears twice"), ("18446744073709551616", "beyond 64 bits"),
                               ("1e10000", "exponent out of range"), (#""\udc00""#, "lone surrogate"),
                               (String(repeating: "[", count: 70) + String(repeating: "]", count: 70), "nesting too deep")] {
            do {
                _ = try JSONValue.parse(Array(text.utf8))
                Issue.record("accepted \(text.prefix(40))")
            } catch {
                #expect(error.message.contains(reason), "\(text.prefix(40)): \(error.message)")
            }
        }
    }
}
