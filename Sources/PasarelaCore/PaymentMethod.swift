/// The payment method a payer uses, in Pasarela's unified terms. Adapters map it to a PSP's ids.
public enum PaymentMethod: Hashable, Sendable {
    /// A cash voucher paid at an agent, bank or app through `network` (`pagoefectivo`, `oxxo`, `boleto`,
    /// `pagofacil`, `rapipago`), or the country's usual network when `nil`.
    case cash(network: String?)
    /// A bank transfer through the named bank (`bcp`, `interbank`, `bbva`), or any bank when `nil`.
    case bankTransfer(bank: String?)
    /// A card represented by a PSP token; raw card numbers never reach Pasarela.
    case card(token: String)

    /// The kind of method, without its details.
    public var type: PaymentMethodType {
        switch self {
        case .cash: .cash
        case .bankTransfer: .bankTransfer
        case .card: .card
        }
    }
}

/// The kind of a ``PaymentMethod``, as written in the API and in `routes.yaml`.
public enum PaymentMethodType: String, Hashable, Sendable, CaseIterable, Codable {
    case cash
    case bankTransfer = "bank_transfer"
    case card
}
