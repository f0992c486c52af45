/// Prefixed random identifiers (`pay_`, `att_`, `evt_`): 24 base-32 characters, 120 bits of randomness.
public enum Identifier {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// A new identifier with the given prefix, e.g. `Identifier.make("pay")` → `pay_k3...`.
    public static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = prefix + "_"
        for _ in 0..<24 { text.append(alphabet[Int(generator.next(upperBound: UInt8(alphabet.count)))]) }
        return text
    }
}
