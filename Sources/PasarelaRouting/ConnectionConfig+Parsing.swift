import Foundation
import PasarelaCore
import Yams

/// What the loader must know about each adapter kind: the credential names it needs.
public struct AdapterKindInfo: Sendable {
    public var requiredCredentials: [String]
    public init(requiredCredentials: [String]) { self.requiredCredentials = requiredCredentials }
}

extension ConnectionConfig {
    static let keys: Set<String> = ["kind", "environment", "base_url", "credentials", "timeouts", "supports", "webhook"]

    /// Parses one adapter file. Credentials are resolved from `environment` (env vars) or files, and in the
    /// sandbox environment fall back to the `sandbox_default` written next to them.
    static func parse(name: String, text: String, reader: YAMLReader, kinds: [String: AdapterKindInfo],
                      env: [String: String], baseDirectory: String) -> ConnectionConfig? {
        guard let root = reader.compose(text) else { return nil }
        var kind: String?, environment: Environment?, baseURLs: [String: (String, Node)] = [:]
        var credentialNodes: [(String, Node, Node)] = [], connectMs = 2000, requestMs = 15000
        var supports: [Support] = []
        for entry in reader.mapping(root, "adapters/\(name).yaml", allowed: keys) {
            switch entry.key {
            case "kind":
                kind = reader.string(entry.value, "kind")
                if let value = kind, kinds[value] == nil {
                    reader.problem(at: entry.value, "unknown adapter kind '\(value)'; known: \(kinds.keys.sorted().joined(separator: ", "))")
                    kind = nil
                }
            case "environment":
                if let text = reader.string(entry.value, "environment") {
                    environment = Environment(rawValue: text)
                    if environment == nil { reader.problem(at: entry.value, "environment must be sandbox or production") }
                }
            case "base_url":
                for url in reader.mapping(entry.value, "base_url", allowed: ["sandbox", "production"]) {
                    if let text = reader.string(url.value, "base_url.\(url.key)") {
                        if URL(string: text)?.host == nil || !(text.hasPrefix("http://") || text.hasPrefix("https://")) {
                            reader.problem(at: url.value, "base_url.\(url.key) must be an absolute http(s) URL")
                        }
                        baseURLs[url.key] = (text, url.value)
                    }
                }
            case "credentials":
                for credential in reader.mapping(entry.value, "credentials", allowed: Set(kinds.values.flatMap(\.requiredCredentials))) {
                    credentialNodes.append((credential.key, credential.keyNode, credential.value))
                }
            case "timeouts":
                for timeout in reader.mapping(entry.value, "timeouts", allowed: ["connect_ms", "request_ms"]) {
                    let value = reader.integer(timeout.value, "timeouts.\(timeout.key)", range: 50...120_000)
                    if timeout.key == "connect_ms" { connectMs = value ?? connectMs } else { requestMs = value ?? requestMs }
                }
            case "supports":
                guard let list = entry.value.sequence else {
                    reader.problem(at: entry.value, "supports must be a list of {countries, methods, currencies}")
                    continue
                }
                for item in list { supports.append(parseSupport(item, reader: reader)) }
            default:
                break   // `webhook` options are read by later features; the key is reserved.
            }
        }
        if kind == nil, !reader.problems.contains(where: { $0.message.contains("kind") }) {
            reader.problem(at: root, "kind is required (one of \(kinds.keys.sorted().joined(separator: ", ")))")
        }
        let environmentValue = environment ?? .sandbox
        guard let kind else { return nil }
        guard let (baseURL, _) = baseURLs[environmentValue.rawValue] else {
            reader.problem(at: root, "base_url.\(environmentValue.rawValue) is required for environment \(environmentValue.rawValue)")
            return nil
        }
        var credentials: [String: String] = [:]
        for (key, keyNode, value) in credentialNodes {
            credentials[key] = resolveCredential(key, value, reader: reader, environment: environmentValue, env: env,
                                                 baseDirectory: baseDirectory)
            _ = keyNode
        }
        for required in kinds[kind]?.requiredCredentials ?? [] where !credentialNodes.contains(where: { $0.0 == required }) {
            reader.problem(at: root, "credentials.\(required) is required for kind \(kind)")
        }
        return ConnectionConfig(name: name, kind: kind, environment: environmentValue, baseURL: baseURL,
                                credentials: credentials, connectTimeoutMs: connectMs, requestTimeoutMs: requestMs,
                                supports: supports)
    }

    static func parseSupport(_ node: Node, reader: YAMLReader) -> Support {
        var support = Support(countries: [], methods: [], currencies: [])
        for entry in reader.mapping(node, "supports entry", allowed: ["countries", "methods", "currencies"]) {
            let values = reader.stringList(entry.value, entry.key)
            switch entry.key {
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
    static func resolveCredential(_ key: String, _ node: Node, reader: YAMLReader, environment: Environment,
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
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            reader.problem(at: node, "credentials.\(key): file '\(file)' cannot be read")
            return nil
        }
        if environment == .sandbox, let sandboxDefault { return sandboxDefault }
        if envName == nil && file == nil {
            reader.problem(at: node, "credentials.\(key) needs env: or file:")
        } else if let envName {
            reader.problem(at: node, "credentials.\(key): environment variable \(envName) is not set")
        }
        return nil
    }
}
