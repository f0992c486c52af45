import Foundation
import Hummingbird
import PasarelaCore

/// A sandbox control's JSON body, read strictly: a JSON object holding only the keys the control takes, each of its
/// type and range. Anything else (no body where one is needed, bytes that are not JSON, another media type, an unknown
/// key, a wrong type) is answered `400 {"error": "..."}` (415 for a media type) and changes nothing.
struct ControlBody {
    enum Kind {
        case bool
        case int(ClosedRange<Int>)
        case oneOf(Set<String>)
        case httpURL
    }

    private let fields: [String: JSONValue]

    func bool(_ key: String) -> Bool? { if case .bool(let value)? = fields[key] { value } else { nil } }
    func int(_ key: String) -> Int? { if case .int(let value)? = fields[key] { Int(value) } else { nil } }
    func string(_ key: String) -> String? { if case .string(let value)? = fields[key] { value } else { nil } }
    var keys: Set<String> { Set(fields.keys) }

    /// Reads the body and runs `handle` with it, or answers why it cannot be read.
    /// - Parameters:
    ///   - keys: the keys the control takes, by kind; `nil` takes any key whose value is a boolean (settings).
    ///   - required: whether a body must be sent; without one the control sees `{}`.
    static func handle(_ request: Request, keys: [String: Kind]?, required: Bool,
                       _ handle: (ControlBody) async throws -> Response) async throws -> Response {
        if let type = request.headers[.contentType],
           type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() != "application/json" {
            return EmulatorResponse.json(415, object: ["error": "send the body as application/json"])
        }
        let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 12))
        if bytes.isEmpty {
            guard !required else { return refusal("send a JSON object") }
            return try await handle(ControlBody(fields: [:]))
        }
        guard case .object(let fields)? = try? JSONValue.parse(bytes) else { return refusal("the body must be a JSON object") }
        for (key, value) in fields {
            guard let keys else {
                guard case .bool = value else { return refusal("\(key.prefix(40)) must be true or false") }
                continue
            }
            guard let kind = keys[key] else {
                return refusal("unknown key '\(key.prefix(40))'; this control takes \(keys.keys.sorted().joined(separator: ", "))")
            }
            if let problem = check(value, kind) { return refusal("\(key) \(problem)") }
        }
        return try await handle(ControlBody(fields: fields))
    }

    static func check(_ value: JSONValue, _ kind: Kind) -> String? {
        switch (kind, value) {
        case (.bool, .bool): return nil
        case (.int(let range), .int(let number)): return range.contains(Int(number)) ? nil : "must be \(range.lowerBound) to \(range.upperBound)"
        case (.oneOf(let words), .string(let text)) where words.contains(text): return nil
        case (.httpURL, .string(let text)) where isHTTPURL(text): return nil
        case (.bool, _): return "must be true or false"
        case (.int(let range), _): return "must be an integer from \(range.lowerBound) to \(range.upperBound)"
        case (.oneOf(let words), _): return "must be one of \(words.sorted().joined(separator: ", "))"
        case (.httpURL, _): return "must be an http or https URL"
        }
    }

    /// `http://` or `https://`, then at least one printable ASCII character and no space, at most 2048 characters.
    static func isHTTPURL(_ text: String) -> Bool {
        let rest = text.hasPrefix("https://") ? text.dropFirst(8) : text.hasPrefix("http://") ? text.dropFirst(7) : ""
        return !rest.isEmpty && text.utf8.count <= 2048 && rest.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    static func refusal(_ message: String) -> Response { EmulatorResponse.json(400, object: ["error": message]) }
}
