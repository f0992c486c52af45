import PasarelaCore
import Yams

extension RoutesConfig {
    /// Parses `routes.yaml`, checking connection names against `connections`.
    static func parse(text: String, reader: YAMLReader, connections: Set<String>) -> RoutesConfig? {
        guard let root = reader.compose(text) else { return nil }
        var rules: [RouteRule] = []
        var sawRoutes = false
        for entry in reader.mapping(root, "routes.yaml", allowed: ["routes"]) {
            sawRoutes = true
            guard let list = entry.value.sequence, !list.isEmpty else {
                reader.problem(at: entry.value, "routes must be a non-empty list of rules")
                continue
            }
            var names: Set<String> = []
            for node in list {
                guard let rule = parseRule(node, reader: reader, connections: connections) else { continue }
                if !names.insert(rule.name).inserted { reader.problem(at: node, "duplicate rule name '\(rule.name)'") }
                if let catchAll = rules.first(where: { $0.match.isCatchAll }) {
                    reader.problem(at: node, "rule '\(rule.name)' can never match: rule '\(catchAll.name)' above it matches everything")
                }
                rules.append(rule)
            }
        }
        if !sawRoutes { reader.problem(at: root, "routes is required") }
        if sawRoutes, !rules.isEmpty, rules.last?.match.isCatchAll != true {
            reader.problem(at: root, "a default rule (one without match) is required as the last rule")
        }
        return RoutesConfig(rules: rules)
    }

    static func parseRule(_ node: Node, reader: YAMLReader, connections: Set<String>) -> RouteRule? {
        var name: String?, match = RouteMatch(), targets: [RouteTarget] = [], sawTargets = false
        for entry in reader.mapping(node, "rule", allowed: ["name", "match", "targets"]) {
            switch entry.key {
            case "name": name = reader.string(entry.value, "name")
            case "match": match = parseMatch(entry.value, reader: reader)
            default:
                sawTargets = true
                guard let list = entry.value.sequence, !list.isEmpty else {
                    reader.problem(at: entry.value, "targets must be a non-empty list of connection names")
                    continue
                }
                for item in list {
                    guard let connection = reader.string(item, "target") else { continue }
                    if !connections.contains(connection) {
                        reader.problem(at: item, "unknown connection '\(connection)'; defined: \(connections.sorted().joined(separator: ", "))")
                    }
                    targets.append(RouteTarget(connection: connection))
                }
            }
        }
        if name == nil { reader.problem(at: node, "rule needs a name") }
        if !sawTargets { reader.problem(at: node, "rule '\(name ?? "?")' needs targets") }
        guard let name else { return nil }
        return RouteRule(name: name, match: match, targets: targets, line: node.mark?.line ?? 0)
    }

    static func parseMatch(_ node: Node, reader: YAMLReader) -> RouteMatch {
        var match = RouteMatch()
        for entry in reader.mapping(node, "match", allowed: ["country", "currency", "method"]) {
            let values = reader.stringList(entry.value, entry.key)
            switch entry.key {
            case "country":
                for value in values where Market.currencies[value] == nil { reader.problem(at: entry.value, "unknown country '\(value)'") }
                match.countries = Set(values)
            case "currency":
                for value in values where Currency(code: value) == nil { reader.problem(at: entry.value, "unknown currency '\(value)'") }
                match.currencies = Set(values)
            default:
                for value in values where PaymentMethodType(rawValue: value) == nil {
                    reader.problem(at: entry.value, "unknown method '\(value)'; use cash, bank_transfer or card")
                }
                match.methods = Set(values.compactMap(PaymentMethodType.init(rawValue:)))
            }
        }
        return match
    }
}
