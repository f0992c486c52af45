/// An amount of money as an integer count of the currency's minor units.
///
/// Money never travels as a floating point number inside Pasarela; adapters convert to a PSP's
/// representation at the edge with ``majorUnitString`` and ``init(majorUnits:currency:)``.
public struct Money: Hashable, Sendable, CustomStringConvertible {
    /// Amount in minor units (cents for PEN, yen for JPY, fils for KWD).
    public let minorUnits: Int64
    public let currency: Currency

    /// The largest amount accepted, in minor units: keeps every conversion far from overflow.
    public static let maximumMinorUnits: Int64 = 999_999_999_999

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Parses a decimal major-unit string such as `"150.00"`, `"100"` or `"0.5"` exactly.
    ///
    /// - Returns: `nil` when the text is not a plain decimal, or has more decimals than the
    ///   currency allows (`"1.005"` in PEN), or is out of range.
    public init?(majorUnits text: String, currency: Currency) {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" { negative = true; digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let whole = parts.first, !whole.isEmpty,
              whole.allSatisfy(\.isASCIIDigit) else { return nil }
        var fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.allSatisfy(\.isASCIIDigit), !(parts.count == 2 && fraction.isEmpty) else { return nil }
        // Trailing zeros beyond the exponent carry no value ("100.000" in PEN is fine).
        while fraction.count > currency.exponent, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= currency.exponent, whole.count <= 15 else { return nil }
        let padded = fraction + String(repeating: "0", count: currency.exponent - fraction.count)
        guard let major = Int64(whole), let minor = Int64(padded.isEmpty ? "0" : padded) else { return nil }
        let (scaled, overflow) = major.multipliedReportingOverflow(by: currency.minorPerMajor)
        guard !overflow else { return nil }
        let value = scaled + minor
        guard value <= Money.maximumMinorUnits else { return nil }
        self.init(minorUnits: negative ? -value : value, currency: currency)
    }

    /// The amount in major units with exactly `exponent` decimals: `15000` PEN → `"150.00"`,
    /// `1500` JPY → `"1500"`, `1234` KWD → `"1.234"`.
    public var majorUnitString: String {
        let factor = currency.minorPerMajor
        let magnitude = minorUnits.magnitude
        let whole = magnitude / UInt64(factor)
        let sign = minorUnits < 0 ? "-" : ""
        guard currency.exponent > 0 else { return "\(sign)\(whole)" }
        let fraction = String(magnitude % UInt64(factor))
        let padded = String(repeating: "0", count: currency.exponent - fraction.count) + fraction
        return "\(sign)\(whole).\(padded)"
    }

    public var description: String { "\(majorUnitString) \(currency.code)" }
}

extension Character {
    /// `0` to `9`, and no other digit of any script.
    public var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension Money: Codable {
    enum CodingKeys: String, CodingKey { case value, currency }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let code = try container.decode(String.self, forKey: .currency)
        guard let currency = Currency(code: code) else {
            throw DecodingError.dataCorruptedError(forKey: .currency, in: container, debugDescription: "unknown currency \(code)")
        }
        self.init(minorUnits: try container.decode(Int64.self, forKey: .value), currency: currency)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(minorUnits, forKey: .value)
        try container.encode(currency.code, forKey: .currency)
    }
}
