import Foundation

/// An HMAC-SHA256 webhook signature over a declared concatenation of parts, for the generic adapter:
/// e.g. `parts: ["{header.X-Timestamp}", ".", "{body}"]`, hex or base64, with an optional prefix (`sha256=`).
public struct ConfigurableHMAC: Sendable, Equatable {
    public enum Encoding: String, Sendable { case hex, base64 }

    /// One piece of the signed message.
    public enum Part: Sendable, Equatable {
        case literal(String)
        case body
        case header(String)
    }

    /// The header carrying the signature.
    public var header: String
    public var encoding: Encoding
    /// Text before the signature in the header (`sha256=`), removed before comparing.
    public var prefix: String
    public var parts: [Part]

    public init(header: String, encoding: Encoding = .hex, prefix: String = "", parts: [Part] = [.body]) {
        self.header = header
        self.encoding = encoding
        self.prefix = prefix
        self.parts = parts
    }

    /// The bytes signed for a message; `nil` when a header part is missing.
    public func message(_ message: InboundMessage) -> [[UInt8]]? {
        var pieces: [[UInt8]] = []
        for part in parts {
            switch part {
            case .literal(let text): pieces.append(Array(text.utf8))
            case .body: pieces.append(message.body)
            case .header(let name):
                guard let value = message.header(name) else { return nil }
                pieces.append(Array(value.utf8))
            }
        }
        return pieces
    }

    /// The header value a sender would put on `message`.
    public func sign(_ message: InboundMessage, key: String) -> String? {
        guard let pieces = self.message(message) else { return nil }
        let mac = HMACSHA256.mac(key: key, parts: pieces)
        return prefix + (encoding == .hex ? Hex.encode(mac) : Data(mac).base64EncodedString())
    }

    /// Whether the message carries a valid signature, compared in constant time.
    public func verify(_ message: InboundMessage, key: String) -> Bool {
        guard var presented = message.header(header)?.trimmingCharacters(), let pieces = self.message(message) else { return false }
        guard presented.hasPrefix(prefix) else { return false }
        presented.removeFirst(prefix.count)
        let decoded: [UInt8]? = switch encoding {
        case .hex: Hex.decode(presented)
        case .base64: Data(base64Encoded: presented).map(Array.init)
        }
        guard let decoded else { return false }
        return ConstantTime.equals(decoded, HMACSHA256.mac(key: key, parts: pieces))
    }
}
