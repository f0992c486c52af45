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
        guard !secrets.isEmpty else { return value }
        // Most text holds no secret: looked for in place first, copied only when one is there.
        var probe = value
        let holdsOne = probe.withUTF8 { text in
            secrets.contains { secret in
                var found = false
                var secret = secret
                secret.withUTF8 { needle in found = Self.contains(text, needle) }
                return found
            }
        }
        guard holdsOne else { return value }
        var bytes = Array(value.utf8)
        var changed = false
        for secret in secrets {
            let needle = Array(secret.utf8)
            guard needle.count <= bytes.count, let first = needle.first else { continue }
            var out: [UInt8] = []
            var index = 0, found = false
            while index < bytes.count {
                if bytes[index] == first, index + needle.count <= bytes.count, bytes[index..<index + needle.count].elementsEqual(needle) {
                    if !found { out.reserveCapacity(bytes.count); out.append(contentsOf: bytes[0..<index]); found = true }
                    out.append(contentsOf: "***".utf8)
                    index += needle.count
                } else {
                    if found { out.append(bytes[index]) }
                    index += 1
                }
            }
            if found { bytes = out; changed = true }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : value
    }

    static func contains(_ text: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first, needle.count <= text.count else { return false }
        var index = 0
        let last = text.count - needle.count
        while index <= last {
            if text[index] == first {
                var offset = 1
                while offset < needle.count, text[index + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
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
