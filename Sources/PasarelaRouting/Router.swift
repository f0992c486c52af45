import PasarelaCore

/// The plan for one payment: which rule matched, the connections to try in order, and how.
public struct RoutePlan: Sendable, Equatable {
    public var rule: String
    public var configVersion: String
    /// Connections to try, in order: the first drawn by weight when the rule has weights.
    public var targets: [String]
    /// Connections of the chain left out, with the reason.
    public var skipped: [Skip]
    /// Rules above the match and why each did not match.
    public var notMatched: [Skip]
    /// The eligible first choices with their chance of being drawn (1 for an unweighted chain's first target).
    public var firstChoice: [Chance]
    public var policy: AttemptPolicy

    public struct Skip: Sendable, Equatable {
        public var name: String
        public var reason: String
        /// Why, as a value to act on (routing a payment treats an open breaker differently from "cannot carry it").
        public var kind: SkipKind
        public init(name: String, reason: String, kind: SkipKind = .unsupported) {
            self.name = name
            self.reason = reason
            self.kind = kind
        }
    }

    /// Why a connection of the chain is left out.
    public enum SkipKind: String, Sendable, Equatable {
        /// The rule names a connection with no adapter file.
        case notConfigured = "not_configured"
        /// The connection (its file's `supports`, or its adapter) cannot carry the payment.
        case unsupported
        /// Its circuit breaker keeps it out for now.
        case breaker
        /// The API key's mode does not reach it (test keys reach only sandbox connections).
        case keyMode = "key_mode"
    }

    public struct Chance: Sendable, Equatable {
        public var connection: String
        public var weight: Int?
        public var probability: Double
    }
}

/// What routing needs to know about a connection's health: whether its breaker keeps it out now.
public struct BreakerView: Sendable {
    /// connection → why it is skipped (breaker open), for connections currently kept out.
    public var open: [String: String]
    public init(open: [String: String] = [:]) { self.open = open }
}

/// Routing as a pure function of the config snapshot, the request, and breaker state: the live path and
/// explain call the same ``plan(_:merchant:config:breakers:draw:unsupported:)``.
public enum Router {
    /// Plans a request.
    /// - Parameters:
    ///   - merchant: the merchant id, for rules that match on it.
    ///   - breakers: connections whose circuit breaker is open.
    ///   - draw: a number in [0, 1) choosing the first target among weighted ones; explain passes any value.
    ///   - unsupported: asks whether the connection may carry the request (`nil` = yes), e.g. its adapter, the key's mode.
    public static func plan(_ request: PaymentRequest, merchant: String? = nil, config: ConfigSnapshot,
                            breakers: BreakerView = BreakerView(), draw: Double = 0,
                            unsupported: (ConnectionConfig, PaymentRequest) -> (RoutePlan.SkipKind, String)? = { _, _ in nil }) -> RoutePlan {
        var notMatched: [RoutePlan.Skip] = []
        for rule in config.routes.rules {
            if let reason = rule.match.mismatch(request, merchant: merchant) {
                notMatched.append(.init(name: rule.name, reason: reason))
                continue
            }
            var eligible: [RouteTarget] = [], skipped: [RoutePlan.Skip] = []
            for target in rule.targets {
                guard let connection = config.connections[target.connection] else {
                    skipped.append(.init(name: target.connection, reason: "not configured", kind: .notConfigured))
                    continue
                }
                if let (kind, reason) = connection.unsupportedReason(request).map({ (RoutePlan.SkipKind.unsupported, $0) }) ?? unsupported(connection, request) {
                    skipped.append(.init(name: target.connection, reason: reason, kind: kind))
                    continue
                }
                if let reason = breakers.open[target.connection] {
                    skipped.append(.init(name: target.connection, reason: reason, kind: .breaker))
                    continue
                }
                eligible.append(target)
            }
            let (ordered, chances) = order(eligible, draw: draw)
            return RoutePlan(rule: rule.name, configVersion: config.version, targets: ordered.map(\.connection), skipped: skipped,
                             notMatched: notMatched, firstChoice: chances, policy: rule.policy)
        }
        return RoutePlan(rule: "(none)", configVersion: config.version, targets: [], skipped: [], notMatched: notMatched,
                         firstChoice: [], policy: config.routes.defaults)
    }

    /// With weights, the first target is drawn among those of weight > 0 and the rest keep their written order.
    static func order(_ targets: [RouteTarget], draw: Double) -> ([RouteTarget], [RoutePlan.Chance]) {
        let weighted = targets.filter { ($0.weight ?? 0) > 0 }
        guard targets.contains(where: { $0.weight != nil }), !weighted.isEmpty else {
            return (targets, targets.first.map { [.init(connection: $0.connection, weight: nil, probability: 1)] } ?? [])
        }
        let total = Double(weighted.reduce(0) { $0 + ($1.weight ?? 0) })
        let chances = weighted.map { RoutePlan.Chance(connection: $0.connection, weight: $0.weight, probability: Double($0.weight!) / total) }
        var point = min(max(draw, 0), 0.999_999_999) * total, first = weighted.last!
        for target in weighted {
            point -= Double(target.weight!)
            if point < 0 { first = target; break }
        }
        return ([first] + targets.filter { $0.connection != first.connection }, chances)
    }
}
