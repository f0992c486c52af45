import Crypto
import CryptoExtras
import Foundation
import PasarelaAdapters

/// Operators' passwords, hashed with scrypt and stored as `scrypt$logN$r$p$salt$hash` (salt and hash base64), so the
/// cost can rise later without breaking stored hashes. The default cost (N = 2^16, r = 8, p = 1: 64 MiB) takes
/// ≥ 100 ms on the 2-core machines we run on; `pasarela operators add` prints what it took.
public struct PasswordHash: Sendable {
    public var logN: Int
    public var r: Int
    public var p: Int

    public static let standard = PasswordHash(logN: 16, r: 8, p: 1)

    public init(logN: Int, r: Int, p: Int) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// The encoded hash of `password` with a fresh salt.
    public func hash(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let derived = try Self.derive(password, salt: salt, logN: logN, r: r, p: p)
        return "scrypt$\(logN)$\(r)$\(p)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    /// Whether `password` matches `encoded`, compared in constant time. A malformed hash matches nothing.
    public static func verify(_ password: String, against encoded: String) -> Bool {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              (10...20).contains(logN), (1...32).contains(r), (1...16).contains(p),
              let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5]), expected.count == 32,
              let derived = try? derive(password, salt: Array(salt), logN: logN, r: r, p: p) else { return false }
        return ConstantTime.equals(derived, Array(expected))
    }

    static func derive(_ password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << logN,
                                           blockSize: r, parallelism: p, maxMemory: 256 * 1024 * 1024)
        return key.withUnsafeBytes { Array($0) }
    }
}
