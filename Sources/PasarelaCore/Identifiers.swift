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

    static let secretAlphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// A secret to hand out once (a merchant's key or notification secret, a console session): `prefix_` and `length`
    /// characters drawn from the system's random source, about 5.8 bits each.
    public static func secret(_ prefix: String, length: Int = 28) -> String {
        var generator = SystemRandomNumberGenerator()
        return prefix + "_" + String((0..<length).map { _ in secretAlphabet[Int(generator.next(upperBound: UInt8(secretAlphabet.count)))] })
    }
}
