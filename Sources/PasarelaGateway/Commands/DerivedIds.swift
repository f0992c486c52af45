import Crypto
import Foundation
import PasarelaCore

extension Identifier {
    /// An id of `prefix` that the merchant's idempotency key always yields, so a retry finds what its request made.
    static func derived(_ prefix: String, merchant: String, key: String) -> String {
        let digest = Array(SHA256.hash(data: Array("\(merchant)\n\(key)".utf8)))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        return prefix + "_" + String(digest.prefix(24).map { alphabet[Int($0) % alphabet.count] })
    }
}
