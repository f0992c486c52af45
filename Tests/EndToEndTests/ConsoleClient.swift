import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A browser's part in the console tests: follows no redirect, keeps the session cookie it is given, and reads the
/// CSRF token from the pages.
final class ConsoleClient: @unchecked Sendable {
    let base: String
    /// One client for every test, never shut down (like `HTTPClient.shared`): a test that stops early leaks nothing.
    static let noRedirects = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    var client: HTTPClient { Self.noRedirects }
    var cookie: String?
    var csrf: String?

    struct Page {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var location: String? { headers.first(name: "Location") }
    }

    init(base: String) { self.base = base }

    /// Nothing to release: the client is shared.
    func shutdown() async {}

    func get(_ path: String) async throws -> Page { try await send("GET", path, body: nil, type: nil, headers: []) }

    func form(_ path: String, _ fields: [String: String]) async throws -> Page {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return try await send("POST", path, body: body, type: "application/x-www-form-urlencoded", headers: [])
    }

    func json(_ path: String, _ object: [String: Any], csrf token: String?) async throws -> Page {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        return try await send("POST", path, body: body, type: "application/json", headers: token.map { [("X-CSRF-Token", $0)] } ?? [])
    }

    func signIn(_ name: String, _ password: String) async throws -> Page {
        let page = try await form("/console/login", ["name": name, "password": password])
        if let set = page.headers.first(name: "Set-Cookie"), let pair = set.split(separator: ";").first { cookie = String(pair) }
        if page.status == 303 { csrf = Self.csrf(in: try await get("/console/connections").text) }
        return page
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: "<meta name=\"csrf\" content=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    private func send(_ method: String, _ path: String, body: String?, type: String?, headers: [(String, String)]) async throws -> Page {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if let type { request.headers.add(name: "Content-Type", value: type) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return Page(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    }
}
