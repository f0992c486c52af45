/// An ISO-4217 currency known to Pasarela, with the number of decimals of its minor unit.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// Upper-case ISO-4217 alphabetic code, e.g. `PEN`.
    public let code: String
    /// Decimals of the minor unit: 2 for PEN, 0 for JPY/CLP, 3 for KWD/BHD.
    public let exponent: Int

    public var description: String { code }

    /// The currencies Pasarela accepts. Exponents follow ISO-4217.
    public static let table: [String: Int] = [
        "PEN": 2, "USD": 2, "EUR": 2, "MXN": 2, "BRL": 2, "ARS": 2, "COP": 2, "UYU": 2,
        "BOB": 2, "GTQ": 2, "CRC": 2, "DOP": 2, "GBP": 2, "CAD": 2,
        "CLP": 0, "JPY": 0, "PYG": 0, "KRW": 0,
        "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3,
    ]

    /// Looks up a currency by its code; `nil` when unknown or not upper-case.
    public init?(code: String) {
        guard let exponent = Currency.table[code] else { return nil }
        self.code = code
        self.exponent = exponent
    }

    /// 10^exponent: how many minor units make one major unit.
    public var minorPerMajor: Int64 {
        var factor: Int64 = 1
        for _ in 0..<exponent { factor *= 10 }
        return factor
    }
}
