import PasarelaCore

/// The plan for one payment: which rule matched and the connections to try, in order.
public struct RoutePlan: Sendable, Equatable {
    public var rule: String
    public var configVersion: String
    public var targets: [String]
    /// Connections of the chain left out, with the reason.
    public var skipped: [Skip]
    /// Rules above the match and why each did not match.
    public var notMatched: [Skip]

    public struct Skip: Sendable, Equatable {
        public var name: String
        public var reason: String
    }
}

/// Routing as a pure function of the config snapshot and the request: the live path and any explain
/// or dry run call the same ``plan(_:config:unsupported:)``.
public enum Router {
    /// Plans a request.
    /// - Parameters:
    ///   - unsupported: asks the connection's adapter whether it can carry the request (`nil` = yes).
    public static func plan(_ request: PaymentRequest, config: ConfigSnapshot,
                            unsupported: (ConnectionConfig, PaymentRequest) -> String? = { _, _ in nil }) -> RoutePlan {
        var notMatched: [RoutePlan.Skip] = []
        for rule in config.routes.rules {
            if let reason = rule.match.mismatch(request) {
                notMatched.append(.init(name: rule.name, reason: reason))
                continue
            }
            var targets: [String] = [], skipped: [RoutePlan.Skip] = []
            for target in rule.targets where !targets.contains(target.connection) {
                guard let connection = config.connections[target.connection] else {
                    skipped.append(.init(name: target.connection, reason: "not configured"))
                    continue
                }
                if let reason = connection.unsupportedReason(request) ?? unsupported(connection, request) {
                    skipped.append(.init(name: target.connection, reason: reason))
                    continue
                }
                targets.append(target.connection)
            }
            return RoutePlan(rule: rule.name, configVersion: config.version, targets: targets, skipped: skipped,
                             notMatched: notMatched)
        }
        return RoutePlan(rule: "(none)", configVersion: config.version, targets: [], skipped: [], notMatched: notMatched)
    }
}
