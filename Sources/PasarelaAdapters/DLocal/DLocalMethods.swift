import PasarelaCore

/// dLocal `payment_method_id`s for unified methods (PSP-PROTOCOLS.md 1.11).
enum DLocalMethods {
    /// Cash ticket ids per country and network (`nil` = the country's usual one): PagoEfectivo, OXXO, Boleto, Rapipago.
    static let cash: [String: [String?: String]] = [
        "PE": [nil: "EF", "pagoefectivo": "EF"], "MX": [nil: "OX", "oxxo": "OX"], "BR": [nil: "BL", "boleto": "BL"],
        "AR": [nil: "RP", "rapipago": "RP"],
    ]
    /// Bank transfer ids per country and bank; the `nil` bank is the generic transfer.
    static let bankTransfer: [String: [String?: String]] = [
        "PE": ["bcp": "BC", "interbank": "IB", "bbva": "BP", nil: "IO"],
    ]

    /// The method id for a request, or `nil` when dLocal offers no such method there.
    static func id(for method: PaymentMethod, country: String) -> String? {
        switch method {
        case .cash(let network): cash[country]?[network]
        case .bankTransfer(let bank): bankTransfer[country]?[bank]
        case .card: "CARD"
        }
    }
}
