import Crypto

/// Plain SHA-256 as lower-case hex.
public enum SHA256Hex {
    public static func of(_ text: String) -> String { Hex.encode(SHA256.hash(data: Array(text.utf8))) }
}
