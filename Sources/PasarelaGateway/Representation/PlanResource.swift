import PasarelaAdapters
import PasarelaCore
import PasarelaRouting

/// The JSON of a routing explanation: the matched rule, why earlier rules did not match, the chain, the skipped
/// connections and the attempt policy.
public enum PlanResource {
    public static func json(_ plan: RoutePlan) -> JSONBody {
        .object([
            ("object", .string("routing_explanation")),
            ("rule", .string(plan.rule)),
            ("config_version", .string(plan.configVersion)),
            ("not_matched", .array(plan.notMatched.map { .object([("rule", .string($0.name)), ("reason", .string($0.reason))]) })),
            ("chain", .array(plan.targets.map(JSONBody.string))),
            ("first_choice", .array(plan.firstChoice.map { chance in
                .fields([("connection", .string(chance.connection)),
                         ("weight", chance.weight.map { .number(String($0)) }),
                         ("probability", .number(String(format: "%.4f", chance.probability)))])
            })),
            ("skipped", .array(plan.skipped.map { .object([("connection", .string($0.name)), ("reason", .string($0.reason))]) })),
            ("policy", .fields([
                ("timeout_ms", plan.policy.timeoutMs.map { .number(String($0)) } ?? .null),
                ("max_attempts", .number(String(plan.policy.maxAttempts))),
                ("failover_on", .array(plan.policy.failoverOn.map(\.rawValue).sorted().map(JSONBody.string))),
            ])),
        ])
    }

    /// The explanation for people, as `pasarela routes explain` prints it.
    public static func text(_ plan: RoutePlan) -> String {
        var lines: [String] = []
        for skip in plan.notMatched { lines.append("rule \(skip.name): no match (\(skip.reason))") }
        lines.append("rule \(plan.rule): MATCH (config \(plan.configVersion))")
        if plan.firstChoice.count > 1 {
            let split = plan.firstChoice.map { "\($0.connection) \(Int(($0.probability * 100).rounded()))%" }.joined(separator: ", ")
            lines.append("  first choice drawn by weight: \(split)")
        }
        lines.append("  chain: " + (plan.targets.isEmpty ? "(none: the payment would be refused)" : plan.targets.joined(separator: " → ")))
        for skip in plan.skipped { lines.append("  skipped \(skip.name): \(skip.reason)") }
        let failover = plan.policy.failoverOn.map(\.rawValue).sorted().joined(separator: ", ")
        lines.append("  attempts: at most \(plan.policy.maxAttempts), timeout \(plan.policy.timeoutMs.map { "\($0) ms" } ?? "per connection"), fail over on \(failover.isEmpty ? "nothing" : failover)")
        return lines.joined(separator: "\n")
    }
}

/// The JSON of `GET /v1/connections`: each connection's health and breaker.
public enum ConnectionResource {
    /// One connection and what is known of its health.
    public struct Row: Sendable {
        var connection: Connection
        var breaker: CircuitBreakers.Snapshot
        var webhooks: [String: Int]
        var reconciler: [String: Int]
        var alerts: [ConnectionAlerts.Alert] = []
        var inFlight = 0

        /// `down` (breaker open), `probing` (half open), `degraded` (recent errors or an open alert) or `healthy`.
        var health: String {
            switch breaker.state {
            case .open: "down"
            case .halfOpen: "probing"
            case .closed: breaker.recentErrorRate > 0 || !alerts.isEmpty ? "degraded" : "healthy"
            }
        }
    }

    public static func json(_ rows: [Row]) -> JSONBody {
        .fields([
            ("object", .string("list")),
            ("data", .array(rows.map { row in
                let connection = row.connection, breaker = row.breaker, health = row.health
                return .fields([
                    ("name", .string(connection.config.name)),
                    ("kind", .string(connection.config.kind)),
                    ("environment", .string(connection.config.environment.rawValue)),
                    ("health", .string(health)),
                    ("breaker", .fields([
                        ("state", .string(breaker.state.rawValue)),
                        ("consecutive_failures", .number(String(breaker.consecutiveFailures))),
                        ("recent_calls", .number(String(breaker.recentCalls))),
                        ("recent_error_rate", .number(String(format: "%.4f", breaker.recentErrorRate))),
                        ("opened_at", breaker.openedAt.map { .string(Timestamps.utc($0)) } ?? .null),
                    ])),
                    ("flows", .array(connection.adapter.flowNames.map { .string($0) })),
                    ("lost_answers", .string(connection.adapter.recovery.summary)),
                    ("webhooks", counts(row.webhooks)),
                    ("reconciler", counts(row.reconciler)),
                    ("alerts", .array(row.alerts.map(alert))),
                    ("in_flight", .number(String(row.inFlight))),
                ])
            })),
            ("has_more", .bool(false)),
        ])
    }

    static func alert(_ alert: ConnectionAlerts.Alert) -> JSONBody {
        .fields([("kind", .string(alert.kind)), ("fix", .string(alert.fix)), ("count", .number(String(alert.count))),
                 ("first_at", .string(Timestamps.utc(alert.firstAt))), ("last_at", .string(Timestamps.utc(alert.lastAt)))])
    }

    static func counts(_ counts: [String: Int]) -> JSONBody {
        .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) })
    }
}
