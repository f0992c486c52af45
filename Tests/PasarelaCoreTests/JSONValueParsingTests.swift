import Foundation
import PasarelaCore
import Testing

/// The hand-written reader agrees with Foundation on valid documents and refuses invalid ones.
@Suite struct JSONValueParsingTests {
    static let valid = [
        #"{"a":1,"b":-2,"c":1.5,"e":-0.25E-2,"f":true,"g":false,"h":null,"i":"x","j":[1,[2,{}]],"k":{}}"#,
        #"  [ ]  "#, #""plain""#, "0", "-0", "123456789012", #"{"amount":201.01,"cip":2523136}"#,
        #""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00""#, #"{"ñ":"ü","emoji":"😀"}"#,
        "9223372036854775807",
    ]

    @Test(arguments: valid)
    func agreesWithJSONSerialization(text: String) throws {
        let fast = try JSONValue.parse(Array(text.utf8))
        let reference = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        #expect(JSONReaderDifferentialTests.same(fast, reference), "\(text)")
    }

    @Test func integersAndDecimalsStayApart() throws {
        #expect(try JSONValue.parse(Array("15000".utf8)) == .int(15000))
        #expect(try JSONValue.parse(Array("-9223372036854775808".utf8)) == .int(Int64.min))
        #expect(try JSONValue.parse(Array("150.5".utf8)) == .decimal("150.5"))
        // Numbers are kept as their text: exact, never a Double.
        #expect(try JSONValue.parse(Array("0.1000000000000000055511151231257827".utf8)) == .decimal("0.1000000000000000055511151231257827"))
        // Unlike JSONDecoder, a decimal point or exponent keeps a number a decimal: 150.0 is not a minor-unit count.
        #expect(try JSONValue.parse(Array("[150.0, 1e3]".utf8)) == .array([.decimal("150.0"), .decimal("1e3")]))
        #expect(JSONValue.decimal("201.01").decimalValue == Decimal(string: "201.01"))
    }

    @Test func integersBeyond64BitsAreRefusedUnlessKeptAsText() throws {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array("9223372036854775808".utf8)) }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array("-9223372036854775809".utf8)) }
        #expect(try JSONValue.parse(Array("9223372036854775808".utf8), bigIntegers: .keepAsText) == .decimal("9223372036854775808"))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\":}", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "tru", "nul", "\"abc", "\"\\x\"",
                      "\"\\ud83d\"", "\"\\ude00\"", "\"a\u{01}b\"", "[1] 2", "{\"a\":1,}", "1e99999", "'a'", "{a:1}",
                      "{\"dup\":1,\"dup\":2}"])
    func refusesInvalidDocuments(text: String) {
        #expect(throws: JSONValue.ParseError.self, "\(text)") { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? JSONValue.parse(Array(fine.utf8))) != nil)
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }
}
