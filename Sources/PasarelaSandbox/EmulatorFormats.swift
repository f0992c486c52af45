import Foundation
import Hummingbird
import NIOCore

/// Timestamps as the emulated PSPs write them, in UTC.
enum EmulatorClock {
    /// dLocal's `2020-02-24T04:59:00.000+0000`.
    static func format(_ date: Date) -> String { string(date, "yyyy-MM-dd'T'HH:mm:ss.SSSZ") }

    /// Checkout's `2023-05-22T11:56:04.8821546Z`.
    static func checkout(_ date: Date) -> String { string(date, "yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'") }

    static func string(_ date: Date, _ pattern: String, zone: TimeZone = TimeZone(secondsFromGMT: 0)!) -> String {
        formatter(pattern, zone: zone).string(from: date)
    }

    /// Reads a time written in `pattern` in UTC.
    static func date(_ text: String, _ pattern: String) -> Date? { formatter(pattern, zone: TimeZone(secondsFromGMT: 0)!).date(from: text) }

    static func formatter(_ pattern: String, zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        return formatter
    }
}

/// JSON answers of the emulators: every response carries a `Content-Type`.
enum EmulatorResponse {
    static func json(_ status: Int, _ body: [UInt8]) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func json(_ status: Int, object: Any) -> Response {
        json(status, Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()))
    }

    /// A sandbox control's answer: the PSP's own body, with 409 for "not in a state that allows it" whatever status
    /// the PSP's API would use (only an unknown id stays 404).
    static func control(_ status: Int, _ body: [UInt8]) -> Response {
        json((400..<500).contains(status) && status != 404 ? 409 : status, body)
    }

    static func control(_ status: Int, object: Any) -> Response {
        json((400..<500).contains(status) && status != 404 ? 409 : status, object: object)
    }

    /// A 200 whose body is not JSON: a PSP behind a broken proxy, after it processed the request.
    static var garbage: Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "<html>502 upstream garbage")))
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
