import Foundation

/// Masks what must never leave Pasarela in a log, an error, a metric label or a stored transcript: credentials and
/// tokens wherever they appear, and a payer's data by its JSON field (emails to `p***@example.com`, documents, card
/// numbers and tokens, bank accounts to their last four characters).
public struct Redactor: Sendable {
    /// Values replaced by `***` wherever they appear (a connection's credentials, an access token).
    public var secrets: [String]

    public init(secrets: [String] = []) {
        // Short values would mask innocent text; credentials are never that short.
        self.secrets = secrets.filter { $0.count >= 6 }.sorted { $0.count > $1.count }
    }

    /// Fields whose text is a payer's data or a card's, masked wherever they are.
    static let personal: Set<String> = ["email", "useremail", "payer_email", "document", "document_number", "userdocumentnumber",
                                        "token", "card_id", "cvv", "cvc", "bank_account", "account_number", "iban", "phone",
                                        "userphone", "beneficiary_name"]
    /// `number` is masked under these (a card's, a document's), not elsewhere (a voucher's CIP is the payer's to show).
    static let numberParents: Set<String> = ["card", "source", "document", "bank_account"]

    /// Text with every secret replaced (searched over the UTF-8 bytes: this runs on every PSP call).
    public func text(_ value: String) -> String {
        var text = value
        for secret in secrets { if let replaced = Self.replacing(secret, in: text) { text = replaced } }
        return text
    }

    /// `text` with every occurrence of `secret` as `***`, or `nil` when it holds none: searched in place, copied only
    /// when found (most text holds no secret).
    static func replacing(_ secret: String, in text: String) -> String? {
        var text = text, secret = secret
        return text.withUTF8 { haystack in
            secret.withUTF8 { needle -> String? in
                guard let first = needle.first, needle.count <= haystack.count else { return nil }
                var out: [UInt8] = []
                var copied = 0, index = 0
                while index <= haystack.count - needle.count {
                    if haystack[index] == first, (1..<needle.count).allSatisfy({ haystack[index + $0] == needle[$0] }) {
                        if out.isEmpty { out.reserveCapacity(haystack.count) }
                        out.append(contentsOf: haystack[copied..<index])
                        out.append(contentsOf: "***".utf8)
                        index += needle.count
                        copied = index
                    } else {
                        index += 1
                    }
                }
                guard copied > 0 else { return nil }
                out.append(contentsOf: haystack[copied...])
                return String(decoding: out, as: UTF8.self)
            }
        }
    }

    /// A body: JSON with its payer fields masked (and secrets replaced), anything else as text with secrets replaced.
    public func body(_ bytes: [UInt8]) -> String {
        guard !bytes.isEmpty else { return "" }
        guard let json = try? JSONValue.parse(bytes, bigIntegers: .keepAsText) else { return text(String(decoding: bytes, as: UTF8.self)) }
        return String(decoding: mask(json, key: nil, parent: nil).bytes, as: UTF8.self)
    }

    func mask(_ value: JSONValue, key: String?, parent: String?) -> JSONValue {
        switch value {
        case .object(let fields):
            return .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.key, mask($0.value, key: Self.lowercased($0.key), parent: key)) }))
        case .array(let items):
            return .array(items.map { mask($0, key: key, parent: parent) })
        case .string(let text):
            guard let key else { return .string(self.text(text)) }
            if Self.personal.contains(key) || (key == "number" && parent.map(Self.numberParents.contains) == true) {
                return .string(Self.partial(text))
            }
            return .string(self.text(text))
        case .int(let number) where key.map(Self.personal.contains) == true || (key == "number" && parent.map(Self.numberParents.contains) == true):
            return .string(Self.partial(String(number)))
        default:
            return value
        }
    }

    /// A field name in lower case; most are already, and are not copied.
    static func lowercased(_ key: String) -> String {
        key.utf8.contains(where: { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) || !key.utf8.allSatisfy({ $0 < 0x80 })
            ? key.lowercased() : key
    }

    /// `pedro@example.com` → `p***@example.com`; anything else keeps its last four characters when it has more than six.
    public static func partial(_ text: String) -> String {
        if let at = text.firstIndex(of: "@"), at > text.startIndex {
            return String(text[text.startIndex]) + "***" + String(text[at...])
        }
        return text.count > 6 ? "****" + text.suffix(4) : "****"
    }
}
