import PasarelaCore

/// Conditions of a rule; an empty condition matches anything. Lists mean "any of".
public struct RouteMatch: Sendable {
    public var countries: Set<String> = []
    public var currencies: Set<String> = []
    public var methods: Set<PaymentMethodType> = []
    /// Merchant ids.
    public var merchants: Set<String> = []
    /// Inclusive amount bounds in major units as written (`"150.00"`), compared in the request currency's minor units.
    public var minAmount: String?
    public var maxAmount: String?
    /// metadata key → accepted values.
    public var metadata: [String: Set<String>] = [:]
    /// The rule wrote conditions that could not be read: never treat it as a catch-all.
    var unreadable = false

    public init(countries: Set<String> = [], currencies: Set<String> = [], methods: Set<PaymentMethodType> = [],
                merchants: Set<String> = [], minAmount: String? = nil, maxAmount: String? = nil, metadata: [String: Set<String>] = [:]) {
        self.countries = countries
        self.currencies = currencies
        self.methods = methods
        self.merchants = merchants
        self.minAmount = minAmount
        self.maxAmount = maxAmount
        self.metadata = metadata
    }

    public var isCatchAll: Bool {
        !unreadable && countries.isEmpty && currencies.isEmpty && methods.isEmpty && merchants.isEmpty && minAmount == nil && maxAmount == nil
            && metadata.isEmpty
    }

    /// `nil` when the request matches, else the first condition it fails, in words.
    public func mismatch(_ request: PaymentRequest, merchant: String?) -> String? {
        if !countries.isEmpty, !countries.contains(request.country) {
            return "country \(request.country) is not \(countries.sorted().joined(separator: "/"))"
        }
        if !currencies.isEmpty, !currencies.contains(request.amount.currency.code) {
            return "currency \(request.amount.currency.code) is not \(currencies.sorted().joined(separator: "/"))"
        }
        if !methods.isEmpty, !methods.contains(request.method.type) {
            return "method \(request.method.type.rawValue) is not \(methods.map(\.rawValue).sorted().joined(separator: "/"))"
        }
        if !merchants.isEmpty, !merchants.contains(merchant ?? "") {
            return "merchant \(merchant ?? "(none)") is not \(merchants.sorted().joined(separator: "/"))"
        }
        let amount = request.amount
        if let minAmount {
            guard let bound = Money(majorUnits: minAmount, currency: amount.currency) else {
                return "amount minimum \(minAmount) has more decimals than \(amount.currency.code)"
            }
            if amount.minorUnits < bound.minorUnits { return "amount \(amount) is below \(minAmount)" }
        }
        if let maxAmount {
            guard let bound = Money(majorUnits: maxAmount, currency: amount.currency) else {
                return "amount maximum \(maxAmount) has more decimals than \(amount.currency.code)"
            }
            if amount.minorUnits > bound.minorUnits { return "amount \(amount) is above \(maxAmount)" }
        }
        for key in metadata.keys.sorted() {
            let accepted = metadata[key]!
            guard let value = request.metadata[key], accepted.contains(value) else {
                return "metadata.\(key) is \(request.metadata[key].map { "'\($0)'" } ?? "absent"), not \(accepted.sorted().joined(separator: "/"))"
            }
        }
        return nil
    }
}
