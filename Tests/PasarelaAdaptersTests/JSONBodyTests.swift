import PasarelaAdapters
import Foundation
import Testing

@Suite struct JSONBodyTests {
    @Test func writesCompactJSONInTheGivenOrderWithEscapes() throws {
        let body = JSONBody.fields([
            ("b", .number("150.00")), ("a", .string("quote \" slash \\ line\n tab\t ctl\u{01} ñ")), ("skip", nil),
            ("list", .array([.bool(true), .null])),
        ])
        let text = String(decoding: body.bytes, as: UTF8.self)
        #expect(text == #"{"b":150.00,"a":"quote \" slash \\ line\n tab\t ctl\u0001 ñ","list":[true,null]}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(body.bytes)) as? [String: Any])
        #expect(parsed["a"] as? String == "quote \" slash \\ line\n tab\t ctl\u{01} ñ")
    }
}
