import PasarelaCore

/// The rules of `routes.yaml`: ordered, first match wins, the last a catch-all default.
public struct RoutesConfig: Sendable {
    public var rules: [RouteRule]

    public init(rules: [RouteRule]) { self.rules = rules }
}

/// One rule: what it matches and the ordered chain of connections to try.
public struct RouteRule: Sendable {
    public var name: String
    public var match: RouteMatch
    public var targets: [RouteTarget]
    /// Where the rule is written, for messages.
    public var line: Int

    public init(name: String, match: RouteMatch, targets: [RouteTarget], line: Int = 0) {
        self.name = name
        self.match = match
        self.targets = targets
        self.line = line
    }
}

/// Conditions of a rule; an empty set matches anything. Lists mean "any of".
public struct RouteMatch: Sendable {
    public var countries: Set<String> = []
    public var currencies: Set<String> = []
    public var methods: Set<PaymentMethodType> = []

    public init(countries: Set<String> = [], currencies: Set<String> = [], methods: Set<PaymentMethodType> = []) {
        self.countries = countries
        self.currencies = currencies
        self.methods = methods
    }

    public var isCatchAll: Bool { countries.isEmpty && currencies.isEmpty && methods.isEmpty }

    /// `nil` when the request matches, else the first condition it fails, in words.
    public func mismatch(_ request: PaymentRequest) -> String? {
        if !countries.isEmpty, !countries.contains(request.country) {
            return "country \(request.country) is not \(countries.sorted().joined(separator: "/"))"
        }
        if !currencies.isEmpty, !currencies.contains(request.amount.currency.code) {
            return "currency \(request.amount.currency.code) is not \(currencies.sorted().joined(separator: "/"))"
        }
        if !methods.isEmpty, !methods.contains(request.method.type) {
            return "method \(request.method.type.rawValue) is not \(methods.map(\.rawValue).sorted().joined(separator: "/"))"
        }
        return nil
    }
}

/// A connection in a rule's chain.
public struct RouteTarget: Sendable, Equatable {
    public var connection: String
    public init(connection: String) { self.connection = connection }
}
