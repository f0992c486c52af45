import Crypto

/// HMAC-SHA256 over byte parts, the primitive under every PSP's signing scheme.
public enum HMACSHA256 {
    /// The MAC of the concatenation of `parts`, keyed with the UTF-8 bytes of `key`.
    public static func mac(key: String, parts: [[UInt8]]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(key.utf8)))
        for part in parts { hmac.update(data: part) }
        return Array(hmac.finalize())
    }

    /// Lower-case hex of ``mac(key:parts:)``.
    public static func hex(key: String, parts: [[UInt8]]) -> String {
        Hex.encode(mac(key: key, parts: parts))
    }

    /// Whether `presentedHex` is the MAC of `parts`, compared in constant time. Malformed hex is simply wrong.
    public static func verify(presentedHex: String, key: String, parts: [[UInt8]]) -> Bool {
        guard let presented = Hex.decode(presentedHex) else { return false }
        return ConstantTime.equals(presented, mac(key: key, parts: parts))
    }
}
