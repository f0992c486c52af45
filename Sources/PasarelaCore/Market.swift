/// Which currencies each country accepts for each method, and which payer documents it knows.
/// A request outside this table is refused before any PSP is asked.
public enum Market {
    /// country → method → currencies.
    public static let currencies: [String: [PaymentMethodType: Set<String>]] = [
        "PE": [.cash: ["PEN", "USD"], .bankTransfer: ["PEN", "USD"], .card: ["PEN", "USD"]],
        "MX": [.cash: ["MXN"], .bankTransfer: ["MXN"], .card: ["MXN", "USD"]],
        "AR": [.cash: ["ARS"], .bankTransfer: ["ARS"], .card: ["ARS", "USD"]],
        "BR": [.cash: ["BRL"], .bankTransfer: ["BRL"], .card: ["BRL", "USD"]],
        "CO": [.cash: ["COP"], .bankTransfer: ["COP"], .card: ["COP", "USD"]],
        "CL": [.cash: ["CLP"], .bankTransfer: ["CLP"], .card: ["CLP", "USD"]],
        "UY": [.cash: ["UYU"], .bankTransfer: ["UYU"], .card: ["UYU", "USD"]],
    ]

    /// Cash networks a payer can name, per country; the first is the country's usual one.
    public static let cashNetworks: [String: [String]] = [
        "PE": ["pagoefectivo"], "MX": ["oxxo"], "BR": ["boleto"], "AR": ["pagofacil", "rapipago"],
    ]

    /// Banks Pasarela can name for a bank transfer, per country.
    public static let banks: [String: Set<String>] = [
        "PE": ["bcp", "interbank", "bbva"],
    ]

    /// Document types per country with the pattern each must match (digits count or alphanumeric).
    public static let documents: [String: [String: DocumentRule]] = [
        "PE": ["DNI": .digits(8...8), "RUC": .digits(11...11), "CE": .alphanumeric(8...12), "PAS": .alphanumeric(6...12)],
        "MX": ["CURP": .alphanumeric(18...18), "RFC": .alphanumeric(12...13)],
        "AR": ["DNI": .digits(7...8), "CUIT": .digits(11...11), "CUIL": .digits(11...11)],
        "BR": ["CPF": .digits(11...11), "CNPJ": .digits(14...14)],
        "CO": ["CC": .digits(6...10), "CE": .alphanumeric(6...12), "NIT": .digits(9...10)],
        "CL": ["RUT": .alphanumeric(8...9)],
        "UY": ["CI": .digits(7...8)],
    ]

    /// A rule for a document number.
    public enum DocumentRule: Sendable {
        case digits(ClosedRange<Int>)
        case alphanumeric(ClosedRange<Int>)

        public func accepts(_ number: String) -> Bool {
            switch self {
            case .digits(let range):
                return range.contains(number.count) && number.allSatisfy(\.isASCIIDigit)
            case .alphanumeric(let range):
                return range.contains(number.count) && number.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            }
        }

        public var summary: String {
            switch self {
            case .digits(let range) where range.count == 1: "\(range.lowerBound) digits"
            case .digits(let range): "\(range.lowerBound) to \(range.upperBound) digits"
            case .alphanumeric(let range) where range.count == 1: "\(range.lowerBound) letters or digits"
            case .alphanumeric(let range): "\(range.lowerBound) to \(range.upperBound) letters or digits"
            }
        }
    }
}
