import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PasarelaCore

/// Reading requests and writing responses the console's way: forms and cookies parsed by hand, every page with headers
/// that keep it out of caches and frames and let only its own script and style run.
enum ConsoleHTTP {
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// Rules files are small; forms and JSON calls larger than this are refused.
    static let maximumBody = 512 * 1024

    static func headers(_ contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return headers
    }

    static func html(_ status: HTTPResponse.Status = .ok, _ page: String, cookie: String? = nil) -> Response {
        var headers = headers("text/html; charset=utf-8")
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func json(_ status: HTTPResponse.Status = .ok, _ value: JSONValue) -> Response {
        Response(status: status, headers: headers("application/json"), body: .init(byteBuffer: ByteBuffer(bytes: value.bytes)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = headers("text/plain; charset=utf-8")
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = headers(type)
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The value of cookie `name`.
    static func cookie(_ request: Request, _ name: String) -> String? {
        for field in request.headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return String(parts[1]).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    static func sessionCookie(_ token: String, maxAge: Int, secure: Bool) -> String {
        "\(ConsoleAuth.cookie)=\(token); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    static func clearedCookie(secure: Bool) -> String { sessionCookie("", maxAge: 0, secure: secure) }

    static func body(_ request: Request) async throws -> [UInt8] {
        Array(buffer: try await request.body.collect(upTo: maximumBody))
    }

    /// An `application/x-www-form-urlencoded` body.
    static func form(_ bytes: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// A POST whose `Origin` names another site is refused (with SameSite=Strict cookies and the CSRF token, a third
    /// line); a request without `Origin` passes to the token check.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}

extension JSONValue {
    /// An object's member.
    subscript(_ field: String) -> JSONValue? {
        if case .object(let members) = self { members[field] } else { nil }
    }
}
