import Foundation
import PasarelaAdapters
import PasarelaCore
import Yams

extension ConnectionConfig {
    static let commonKeys: Set<String> = ["kind", "environment", "base_url", "credentials", "timeouts", "supports", "webhook",
                                          "sandbox_emulator", "breaker", "reconcile", "card_tokens", "limits"]
    /// The built-in emulators a file may name under `sandbox_emulator`.
    public static let emulators: Set<String> = ["dlocal", "checkout", "pagoefectivo"]
    static let genericKeys: Set<String> = ["token", "create", "lookup", "lookup_by_reference", "cancel", "status_map", "document_types",
                                           "refund", "refund_lookup", "refund_status_map", "settlement"]

    /// Parses one adapter file. Credentials are resolved from `env` (environment variables) or files, and in the
    /// sandbox environment fall back to the `sandbox_default` written next to them.
    static func parse(name: String, text: String, reader: YAMLReader, registry: AdapterRegistry,
                      env: [String: String], baseDirectory: String) -> ConnectionConfig? {
        guard let root = reader.compose(text) else { return nil }
        let what = "adapters/\(name).yaml"
        // The kind decides which other keys are allowed, so read it first.
        var kind: String?
        if let mapping = root.mapping, let kindNode = mapping.first(where: { $0.key.scalar?.string == "kind" })?.value {
            kind = reader.string(kindNode, "kind")
            if let value = kind, registry[value] == nil {
                reader.problem(at: kindNode, "unknown adapter kind '\(value)'; known: \(registry.names.joined(separator: ", "))")
                kind = nil
            }
        } else if root.mapping != nil {
            reader.problem(at: root, "kind is required (one of \(registry.names.joined(separator: ", ")))")
        }
        let info = kind.flatMap { registry[$0] }
        var isGeneric = false, fixedNames: (required: [String], optional: [String]) = ([], [])
        switch info?.credentials {
        case .declaredByFile?: isGeneric = true
        case .fixed(let required, let optional)?: fixedNames = (required, optional)
        case nil: break
        }
        let allowed = isGeneric ? commonKeys.union(genericKeys) : commonKeys
        var environment = Environment.sandbox, baseURLs: [String: String] = [:]
        var credentialNodes: [(String, Node)] = [], connectMs = 2000, requestMs = 15000
        var supports: [Support] = [], genericNodes: [String: Node] = [:], emulator: String?, breaker = BreakerConfig()
        var reconcile = LookPolicy()
        var cardTokens: [String] = []
        var allowIPs: [CIDR] = [], proxies: [CIDR] = [], webhookIPHeader: String?, freshness = 300, maxInFlight = 100
        for entry in reader.mapping(root, what, allowed: allowed) {
            switch entry.key {
            case "kind": break
            case "environment":
                if let text = reader.string(entry.value, "environment") {
                    if let parsed = Environment(rawValue: text) { environment = parsed } else {
                        reader.problem(at: entry.value, "environment must be sandbox or production")
                    }
                }
            case "base_url":
                for url in reader.mapping(entry.value, "base_url", allowed: ["sandbox", "production"]) {
                    guard let text = reader.string(url.value, "base_url.\(url.key)") else { continue }
                    if URL(string: text)?.host == nil || !(text.hasPrefix("http://") || text.hasPrefix("https://")) {
                        reader.problem(at: url.value, "base_url.\(url.key) must be an absolute http(s) URL")
                    }
                    baseURLs[url.key] = text
                }
            case "credentials":
                let names = isGeneric ? nil : Set(fixedNames.required + fixedNames.optional)
                if let names {
                    for credential in reader.mapping(entry.value, "credentials", allowed: names) {
                        credentialNodes.append((credential.key, credential.value))
                    }
                } else if let mapping = entry.value.mapping {
                    for (key, value) in mapping { if let key = key.scalar?.string { credentialNodes.append((key, value)) } }
                } else {
                    reader.problem(at: entry.value, "credentials must be a mapping of name → { env: VAR }")
                }
            case "timeouts":
                for timeout in reader.mapping(entry.value, "timeouts", allowed: ["connect_ms", "request_ms"]) {
                    let value = reader.integer(timeout.value, "timeouts.\(timeout.key)", range: 50...120_000)
                    if timeout.key == "connect_ms" { connectMs = value ?? connectMs } else { requestMs = value ?? requestMs }
                }
            case "webhook":
                let ipKeys: Set<String> = ["allow_ips", "trusted_proxies", "client_ip_header", "freshness_seconds"]
                for item in reader.mapping(entry.value, "webhook", allowed: isGeneric ? ipKeys.union(["signature", "fields"]) : ipKeys)
                    where ipKeys.contains(item.key) {
                    if item.key == "freshness_seconds" {
                        freshness = reader.integer(item.value, "webhook.freshness_seconds", range: 10...604_800) ?? freshness
                        continue
                    }
                    if item.key == "client_ip_header" {
                        webhookIPHeader = reader.string(item.value, "webhook.client_ip_header")
                        continue
                    }
                    let networks = reader.stringList(item.value, "webhook.\(item.key)").compactMap { text -> CIDR? in
                        guard let network = CIDR(text) else {
                            reader.problem(at: item.value, "'\(text)' is not an IP address or CIDR network such as 203.0.113.0/24")
                            return nil
                        }
                        return network
                    }
                    if item.key == "allow_ips" { allowIPs = networks } else { proxies = networks }
                }
                if isGeneric { genericNodes["webhook"] = entry.value }
            case "breaker":
                for item in reader.mapping(entry.value, "breaker", allowed: ["consecutive_failures", "error_rate_percent", "window_seconds",
                                                                            "min_requests", "cooldown_ms"]) {
                    switch item.key {
                    case "consecutive_failures": breaker.consecutiveFailures = reader.integer(item.value, "breaker.consecutive_failures", range: 1...1000) ?? breaker.consecutiveFailures
                    case "error_rate_percent": breaker.errorRate = Double(reader.integer(item.value, "breaker.error_rate_percent", range: 1...100) ?? 50) / 100
                    case "window_seconds": breaker.windowSeconds = Double(reader.integer(item.value, "breaker.window_seconds", range: 1...3600) ?? 60)
                    case "min_requests": breaker.minRequests = reader.integer(item.value, "breaker.min_requests", range: 1...10_000) ?? breaker.minRequests
                    default: breaker.cooldownMs = reader.integer(item.value, "breaker.cooldown_ms", range: 10...3_600_000) ?? breaker.cooldownMs
                    }
                }
            case "limits":
                for item in reader.mapping(entry.value, "limits", allowed: ["max_in_flight"]) {
                    maxInFlight = reader.integer(item.value, "limits.max_in_flight", range: 1...10_000) ?? maxInFlight
                }
            case "reconcile":
                reconcile = parseReconcile(entry.value, reader: reader)
            case "card_tokens":
                cardTokens = reader.stringList(entry.value, "card_tokens")
            case "sandbox_emulator":
                emulator = reader.string(entry.value, "sandbox_emulator")
                if let name = emulator, !emulators.contains(name), name != "none" {
                    reader.problem(at: entry.value, "unknown sandbox_emulator '\(name)'; built in: \(emulators.sorted().joined(separator: ", ")), or none")
                }
            case "supports":
                guard let list = entry.value.sequence else {
                    reader.problem(at: entry.value, "supports must be a list of {countries, methods, currencies}")
                    continue
                }
                for item in list { supports.append(parseSupport(item, reader: reader)) }
            default:
                genericNodes[entry.key] = entry.value
            }
        }
        guard let kind, let info else { return nil }
        guard let baseURL = baseURLs[environment.rawValue] else {
            reader.problem(at: root, "base_url.\(environment.rawValue) is required for environment \(environment.rawValue)")
            return nil
        }
        var credentials: [String: String] = [:]
        for (key, value) in credentialNodes {
            credentials[key] = resolveCredential(key, value, connection: name, reader: reader, environment: environment, env: env,
                                                 baseDirectory: baseDirectory)
        }
        for required in fixedNames.required where !credentialNodes.contains(where: { $0.0 == required }) {
            reader.problem(at: root, "credentials.\(required) is required for kind \(kind): connection \(name) cannot call its PSP without it; add credentials.\(required): { env: VARIABLE } (or { file: PATH }) to \(what)")
        }
        var generic: GenericDescriptor?
        if isGeneric {
            generic = GenericDescriptorParser(reader: reader, credentials: Set(credentialNodes.map(\.0)))
                .parse(genericNodes, root: root)
        }
        // The adapter is made now, with its credentials typed: what it cannot work without stops the load here.
        guard reader.problems.isEmpty else { return nil }
        let declared = DeclaredCredentials(credentials)
        let adapter: any PSPAdapter
        do {
            adapter = try info.make(declared, generic)
        } catch {
            let node = credentialNodes.first { $0.0 == error.name }?.1 ?? root
            reader.problem(at: node, "\(error.message) for kind \(kind): connection \(name) cannot call its PSP without it; give it a value in the variable or file credentials.\(error.name) names")
            return nil
        }
        var config = ConnectionConfig(name: name, kind: kind, environment: environment, baseURL: baseURL, credentials: declared, adapter: adapter,
                                      connectTimeoutMs: connectMs, requestTimeoutMs: requestMs, supports: supports, generic: generic)
        if let emulator { config.sandboxEmulator = emulator == "none" ? nil : emulator }
        config.breaker = breaker
        config.reconcile = reconcile
        config.cardTokenPrefixes = cardTokens
        config.webhookAllowList = allowIPs
        config.trustedProxies = proxies
        config.webhookClientIPHeader = webhookIPHeader
        config.webhookFreshnessSeconds = freshness
        config.maxInFlight = maxInFlight
        return config
    }

    static func parseReconcile(_ node: Node, reader: YAMLReader) -> LookPolicy {
        var config = LookPolicy()
        for item in reader.mapping(node, "reconcile", allowed: ["first_look_after_seconds", "every_seconds", "backoff_percent", "max_looks",
                                                                "jitter_percent", "no_news_after_seconds", "max_wait_seconds"]) {
            let what = "reconcile.\(item.key)"
            switch item.key {
            case "first_look_after_seconds":
                config.firstLookAfter = TimeInterval(reader.integer(item.value, what, range: 1...86_400) ?? Int(config.firstLookAfter))
            case "every_seconds": config.every = TimeInterval(reader.integer(item.value, what, range: 1...86_400) ?? Int(config.every))
            case "backoff_percent": config.backoff = Double(reader.integer(item.value, what, range: 100...1000) ?? 100) / 100
            case "max_looks": config.maxLooks = reader.integer(item.value, what, range: 1...1000) ?? config.maxLooks
            case "jitter_percent": config.jitter = Double(reader.integer(item.value, what, range: 0...50) ?? 10) / 100
            case "max_wait_seconds": config.maxWait = TimeInterval(reader.integer(item.value, what, range: 1...7 * 86_400) ?? Int(config.maxWait))
            default:
                config.noNewsAfter = TimeInterval(reader.integer(item.value, what, range: 60...30 * 86_400) ?? Int(config.noNewsAfter))
            }
        }
        return config
    }

    static func parseSupport(_ node: Node, reader: YAMLReader) -> Support {
        var support = Support(countries: [], methods: [], currencies: [])
        for entry in reader.mapping(node, "supports entry", allowed: ["countries", "methods", "currencies", "documents"]) {
            let values = reader.stringList(entry.value, entry.key)
            switch entry.key {
            case "documents":
                let known = Set(Market.documents.values.flatMap(\.keys))
                for document in values where !known.contains(document) {
                    reader.problem(at: entry.value, "unknown document type '\(document)'; known: \(known.sorted().joined(separator: ", "))")
                }
                support.documents = Set(values)
            case "countries":
                for country in values where Market.currencies[country] == nil {
                    reader.problem(at: entry.value, "unknown country '\(country)'")
                }
                support.countries = Set(values)
            case "methods":
                for method in values where PaymentMethodType(rawValue: method) == nil {
                    reader.problem(at: entry.value, "unknown method '\(method)'; use cash, bank_transfer or card")
                }
                support.methods = Set(values.compactMap(PaymentMethodType.init(rawValue:)))
            default:
                for currency in values where Currency(code: currency) == nil {
                    reader.problem(at: entry.value, "unknown currency '\(currency)'")
                }
                support.currencies = Set(values)
            }
        }
        return support
    }

    /// `{ env: NAME, sandbox_default: value }` or `{ file: path }`. The value itself never appears in a message.
    static func resolveCredential(_ key: String, _ node: Node, connection: String, reader: YAMLReader, environment: Environment,
                                  env: [String: String], baseDirectory: String) -> String? {
        var envName: String?, file: String?, sandboxDefault: String?
        for entry in reader.mapping(node, "credentials.\(key)", allowed: ["env", "file", "sandbox_default"]) {
            let value = reader.string(entry.value, "credentials.\(key).\(entry.key)")
            switch entry.key {
            case "env": envName = value
            case "file": file = value
            default: sandboxDefault = value
            }
        }
        if let envName, let value = env[envName], !value.isEmpty { return value }
        if let file {
            let path = file.hasPrefix("/") ? file : baseDirectory + "/" + file
            if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) {
                let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !value.isEmpty { return value }
                reader.problem(at: node, "credentials.\(key): file '\(file)' is empty; connection \(connection) needs the secret in it (alone, on one line)")
                return nil
            }
            reader.problem(at: node, "credentials.\(key): file '\(file)' cannot be read; connection \(connection) needs it: create it with the secret alone, readable by the gateway (a relative path is from the config folder)")
            return nil
        }
        if environment == .sandbox, let sandboxDefault { return sandboxDefault }
        if envName == nil && file == nil {
            reader.problem(at: node, "credentials.\(key) needs env: or file:")
        } else if let envName {
            reader.problem(at: node, "credentials.\(key): environment variable \(envName) is not set; connection \(connection) needs it: set \(envName) in the gateway's environment, or name a file with credentials.\(key): { file: PATH }")
        }
        return nil
    }
}
