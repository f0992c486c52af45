import PasarelaCore
import Yams

extension RoutesConfig {
    static let policyKeys: Set<String> = ["timeout_ms", "max_attempts", "failover_on"]
    /// Failure classes a rule may list under `failover_on`.
    static let failoverNames: [String: FailureClass] = Dictionary(uniqueKeysWithValues: FailureClass.allCases.map { ($0.rawValue, $0) })

    /// Parses `routes.yaml`, checking connection names against `connections`.
    static func parse(text: String, reader: YAMLReader, connections: Set<String>) -> RoutesConfig? {
        guard let root = reader.compose(text) else { return nil }
        var rules: [RouteRule] = []
        var defaults = AttemptPolicy()
        var outbound = OutboundConfig()
        var rateLimit = RateLimitConfig()
        var routesNode: Node?
        for entry in reader.mapping(root, "routes.yaml", allowed: ["routes", "defaults", "outbound", "rate_limit"]) {
            switch entry.key {
            case "defaults":
                defaults = parsePolicy(entry.value, over: AttemptPolicy(), reader: reader, what: "defaults", allowed: policyKeys)
            case "outbound": outbound = parseOutbound(entry.value, reader: reader)
            case "rate_limit": rateLimit = parseRateLimit(entry.value, reader: reader)
            default: routesNode = entry.value
            }
        }
        guard let routesNode else {
            if root.mapping != nil { reader.problem(at: root, "routes is required") }
            return nil
        }
        guard let list = routesNode.sequence, !list.isEmpty else {
            reader.problem(at: routesNode, "routes must be a non-empty list of rules")
            return nil
        }
        var names: Set<String> = []
        for node in list {
            guard let rule = parseRule(node, defaults: defaults, reader: reader, connections: connections) else { continue }
            if !names.insert(rule.name).inserted { reader.problem(at: node, "duplicate rule name '\(rule.name)'") }
            if let catchAll = rules.first(where: { $0.match.isCatchAll }) {
                reader.problem(at: node, "rule '\(rule.name)' can never match: rule '\(catchAll.name)' above it matches everything")
            }
            rules.append(rule)
        }
        if !rules.isEmpty, rules.last?.match.isCatchAll != true {
            reader.problem(at: routesNode, "a default rule (one without match) is required as the last rule")
        }
        return RoutesConfig(rules: rules, defaults: defaults, outbound: outbound, rateLimit: rateLimit)
    }

    static func parseRule(_ node: Node, defaults: AttemptPolicy, reader: YAMLReader, connections: Set<String>) -> RouteRule? {
        var name: String?, match = RouteMatch(), targets: [RouteTarget] = [], sawTargets = false
        var policyNodes: [(String, Node)] = []
        for entry in reader.mapping(node, "rule", allowed: Set(["name", "match", "targets"]).union(policyKeys)) {
            switch entry.key {
            case "name": name = reader.string(entry.value, "name")
            case "match":
                let before = reader.problems.count
                match = parseMatch(entry.value, reader: reader)
                if reader.problems.count > before { match.unreadable = true }
            case "targets":
                sawTargets = true
                targets = parseTargets(entry.value, reader: reader, connections: connections)
            default: policyNodes.append((entry.key, entry.value))
            }
        }
        if name == nil { reader.problem(at: node, "rule needs a name") }
        if !sawTargets { reader.problem(at: node, "rule '\(name ?? "?")' needs targets") }
        var policy = defaults
        if !policyNodes.isEmpty {
            policy = applyPolicy(policyNodes, over: defaults, reader: reader, what: "rule '\(name ?? "?")'")
        }
        guard let name else { return nil }
        return RouteRule(name: name, match: match, targets: targets, policy: policy, line: node.mark?.line ?? 0)
    }

    static func parseTargets(_ node: Node, reader: YAMLReader, connections: Set<String>) -> [RouteTarget] {
        guard let list = node.sequence, !list.isEmpty else {
            reader.problem(at: node, "targets must be a non-empty list of connection names")
            return []
        }
        var targets: [RouteTarget] = []
        for item in list {
            var target: RouteTarget?
            var at = item
            if item.mapping != nil {
                var connection: String?, weight: Int?
                for entry in reader.mapping(item, "target", allowed: ["connection", "weight"]) {
                    if entry.key == "connection" {
                        connection = reader.string(entry.value, "connection")
                        at = entry.value
                    } else {
                        weight = reader.integer(entry.value, "weight", range: 0...1_000_000)
                    }
                }
                if connection == nil { reader.problem(at: item, "a target needs connection") }
                target = connection.map { RouteTarget(connection: $0, weight: weight) }
            } else if let connection = reader.string(item, "target") {
                target = RouteTarget(connection: connection)
            }
            guard let target else { continue }
            if !connections.contains(target.connection) {
                reader.problem(at: at, "unknown connection '\(target.connection)'; defined: \(connections.sorted().joined(separator: ", "))")
            }
            if targets.contains(where: { $0.connection == target.connection }) {
                reader.problem(at: at, "connection '\(target.connection)' appears twice in targets")
            }
            targets.append(target)
        }
        if targets.contains(where: { $0.weight != nil }), !targets.contains(where: { ($0.weight ?? 0) > 0 }) {
            reader.problem(at: node, "weights are given but none is above 0: nothing can be the first choice")
        }
        return targets
    }

    static func parseMatch(_ node: Node, reader: YAMLReader) -> RouteMatch {
        var match = RouteMatch()
        for entry in reader.mapping(node, "match", allowed: ["country", "currency", "method", "merchant", "amount", "metadata"]) {
            switch entry.key {
            case "country":
                let values = reader.stringList(entry.value, entry.key)
                for value in values where Market.currencies[value] == nil { reader.problem(at: entry.value, "unknown country '\(value)'") }
                match.countries = Set(values)
            case "currency":
                let values = reader.stringList(entry.value, entry.key)
                for value in values where Currency(code: value) == nil { reader.problem(at: entry.value, "unknown currency '\(value)'") }
                match.currencies = Set(values)
            case "method":
                let values = reader.stringList(entry.value, entry.key)
                for value in values where PaymentMethodType(rawValue: value) == nil {
                    reader.problem(at: entry.value, "unknown method '\(value)'; use cash, bank_transfer or card")
                }
                match.methods = Set(values.compactMap(PaymentMethodType.init(rawValue:)))
            case "merchant":
                match.merchants = Set(reader.stringList(entry.value, entry.key))
            case "amount":
                parseAmount(entry.value, into: &match, reader: reader)
            default:
                guard let mapping = entry.value.mapping, !mapping.isEmpty else {
                    reader.problem(at: entry.value, "metadata must map keys to a value or a list of values")
                    continue
                }
                for (key, value) in mapping {
                    guard let name = key.scalar?.string, !name.isEmpty else { continue }
                    match.metadata[name] = Set(reader.stringList(value, "metadata.\(name)"))
                }
            }
        }
        return match
    }

    /// `amount: { min: 10.00, max: 500 }` in major units, both inclusive.
    static func parseAmount(_ node: Node, into match: inout RouteMatch, reader: YAMLReader) {
        var bounds: [String: (String, Node)] = [:]
        for entry in reader.mapping(node, "amount", allowed: ["min", "max"]) {
            guard let text = reader.string(entry.value, "amount.\(entry.key)") else { continue }
            // Any currency's exponent is at most 3: check the text against a 3-decimal currency.
            guard Money(majorUnits: text, currency: Currency(code: "KWD")!).map({ $0.minorUnits >= 0 }) == true else {
                reader.problem(at: entry.value, "amount.\(entry.key) must be a non-negative amount in major units such as 150.00, not '\(text)'")
                continue
            }
            bounds[entry.key] = (text, entry.value)
        }
        if bounds.isEmpty, node.mapping?.isEmpty != false { reader.problem(at: node, "amount needs min, max or both") }
        if let (low, _) = bounds["min"], let (high, highNode) = bounds["max"],
           let lowMoney = Money(majorUnits: low, currency: Currency(code: "KWD")!),
           let highMoney = Money(majorUnits: high, currency: Currency(code: "KWD")!), lowMoney.minorUnits > highMoney.minorUnits {
            reader.problem(at: highNode, "amount.max \(high) is below amount.min \(low)")
        }
        match.minAmount = bounds["min"]?.0
        match.maxAmount = bounds["max"]?.0
    }

    /// `outbound: { allow: [CIDR...], private_addresses: allow|refuse }`.
    static func parseOutbound(_ node: Node, reader: YAMLReader) -> OutboundConfig {
        var config = OutboundConfig()
        for entry in reader.mapping(node, "outbound", allowed: ["allow", "private_addresses"]) {
            switch entry.key {
            case "allow":
                for text in reader.stringList(entry.value, "outbound.allow") {
                    guard let network = CIDR(text) else {
                        reader.problem(at: entry.value, "outbound.allow: '\(text.prefix(60))' is not an address or a CIDR network")
                        continue
                    }
                    config.allow.append(network)
                }
            default:
                switch reader.string(entry.value, "outbound.private_addresses") {
                case "allow": config.privateAddresses = true
                case "refuse": config.privateAddresses = false
                default: reader.problem(at: entry.value, "outbound.private_addresses must be allow or refuse")
                }
            }
        }
        return config
    }

    /// `rate_limit: { requests_per_second: N, burst: N, merchants: { ID: { requests_per_second: N, burst: N } } }`.
    static func parseRateLimit(_ node: Node, reader: YAMLReader) -> RateLimitConfig {
        var config = RateLimitConfig()
        var overrides: Node?
        config.standard = parseRate(node, over: RateLimitConfig.defaultRate, reader: reader, what: "rate_limit", extra: ["merchants"]) { key, value in
            if key == "merchants" { overrides = value }
        }
        if let overrides {
            for entry in reader.mapping(overrides, "rate_limit.merchants", allowed: nil) {
                config.merchants[entry.key] = parseRate(entry.value, over: config.standard, reader: reader,
                                                        what: "rate_limit.merchants.\(entry.key)", extra: []) { _, _ in }
            }
        }
        return config
    }

    /// One `{ requests_per_second, burst }` pair over `base`; a burst below the rate is refused (it could never be
    /// reached in one second).
    static func parseRate(_ node: Node, over base: RateLimitConfig.Rate, reader: YAMLReader, what: String, extra: Set<String>,
                          other: (String, Node) -> Void) -> RateLimitConfig.Rate {
        var rate = base
        var burstGiven = false
        for entry in reader.mapping(node, what, allowed: Set(["requests_per_second", "burst"]).union(extra)) {
            switch entry.key {
            case "requests_per_second":
                rate.requestsPerSecond = reader.integer(entry.value, "\(what).requests_per_second", range: 1...1_000_000) ?? rate.requestsPerSecond
            case "burst":
                burstGiven = true
                rate.burst = reader.integer(entry.value, "\(what).burst", range: 1...10_000_000) ?? rate.burst
            default: other(entry.key, entry.value)
            }
        }
        if !burstGiven { rate.burst = max(rate.burst, rate.requestsPerSecond) }
        if rate.burst < rate.requestsPerSecond {
            reader.problem(at: node, "\(what).burst (\(rate.burst)) must be at least requests_per_second (\(rate.requestsPerSecond))")
        }
        return rate
    }

    static func parsePolicy(_ node: Node, over base: AttemptPolicy, reader: YAMLReader, what: String, allowed: Set<String>) -> AttemptPolicy {
        applyPolicy(reader.mapping(node, what, allowed: allowed).map { ($0.key, $0.value) }, over: base, reader: reader, what: what)
    }

    static func applyPolicy(_ entries: [(String, Node)], over base: AttemptPolicy, reader: YAMLReader, what: String) -> AttemptPolicy {
        var policy = base
        for (key, value) in entries {
            switch key {
            case "timeout_ms":
                policy.timeoutMs = reader.integer(value, "\(what) timeout_ms", range: 50...120_000) ?? policy.timeoutMs
            case "max_attempts":
                policy.maxAttempts = reader.integer(value, "\(what) max_attempts", range: 1...10) ?? policy.maxAttempts
            default:
                var classes: Set<FailureClass> = []
                for name in reader.stringList(value, "failover_on") {
                    if name == "hard_decline" {
                        reader.problem(at: value, "hard declines never fail over: a hard decline would fail everywhere")
                    } else if let failure = failoverNames[name] {
                        classes.insert(failure)
                    } else {
                        reader.problem(at: value, "unknown failure class '\(name)'; use \(failoverNames.keys.sorted().joined(separator: ", "))")
                    }
                }
                policy.failoverOn = classes
            }
        }
        return policy
    }
}
