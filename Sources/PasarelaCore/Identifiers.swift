/// Prefixed random identifiers (`pay_`, `att_`, `evt_`): 24 base-32 characters, 120 bits of randomness.
public enum Identifier {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// A new identifier with the given prefix, e.g. `Identifier.make("pay")` → `pay_k3...`: 24 base-32 characters,
    /// 120 random bits drawn in two 64-bit words (one system call each, not one per character).
    public static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var words: (UInt64, UInt64) = (generator.next(), generator.next())
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(bytes.count + 25)
        bytes.append(UInt8(ascii: "_"))
        for index in 0..<24 {
            if index == 12 { words.0 = words.1 }
            bytes.append(alphabet[Int(words.0 & 31)])
            words.0 >>= 5
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
