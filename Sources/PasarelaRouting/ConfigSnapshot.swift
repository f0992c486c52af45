import Crypto
import Foundation
import PasarelaAdapters
import PasarelaCore

/// One consistent, validated view of `routes.yaml` and `adapters/*.yaml`. Requests keep the snapshot they
/// started with.
public struct ConfigSnapshot: Sendable {
    public var routes: RoutesConfig
    public var connections: [String: ConnectionConfig]
    /// Content hash of every file read: what each payment records as the config it was routed with.
    public var version: String

    public init(routes: RoutesConfig, connections: [String: ConnectionConfig], version: String) {
        self.routes = routes
        self.connections = connections
        self.version = version
    }

    /// Loads and validates `directory/routes.yaml` and `directory/adapters/*.yaml`.
    /// - Parameters:
    ///   - directory: the folder holding `routes.yaml` and `adapters/`.
    ///   - registry: the adapter kinds the binary knows: their credentials and factories.
    ///   - env: environment variables, for credentials.
    /// - Throws: ``ConfigError`` listing every problem with file:line:column.
    ///   - routesFile: the routes file's name in `directory`.
    public static func load(directory: String, registry: AdapterRegistry = .builtIn,
                            env: [String: String] = ProcessInfo.processInfo.environment,
                            routesFile: String = "routes.yaml") throws(ConfigError) -> ConfigSnapshot {
        var problems: [ConfigProblem] = []
        var hasher = SHA256()
        let adaptersDirectory = directory + "/adapters"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: adaptersDirectory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        if files.isEmpty {
            problems.append(ConfigProblem(file: "adapters/", line: 1, column: 1, message: "no adapter files found in \(adaptersDirectory)"))
        }
        var connections: [String: ConnectionConfig] = [:]
        for file in files {
            let name = String(file.prefix(upTo: file.lastIndex(of: ".")!))
            let display = "adapters/\(file)"
            guard let text = readText(adaptersDirectory + "/" + file) else {
                problems.append(ConfigProblem(file: display, line: 1, column: 1, message: "cannot read the file as UTF-8"))
                continue
            }
            hasher.update(data: Array("\(display)\n\(text)\n".utf8))
            let reader = YAMLReader(file: display)
            if !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                reader.problem(at: nil, "connection names are letters, digits, '-' and '_'")
            }
            let config = ConnectionConfig.parse(name: name, text: text, reader: reader, registry: registry, env: env,
                                                baseDirectory: directory)
            problems += reader.problems
            if let config, reader.problems.isEmpty { connections[name] = config }
        }
        let routesReader = YAMLReader(file: routesFile)
        var routes: RoutesConfig?
        if let text = readText(directory + "/" + routesFile) {
            hasher.update(data: Array("\(routesFile)\n\(text)\n".utf8))
            let names = Set(files.map { String($0.prefix(upTo: $0.lastIndex(of: ".")!)) })
            routes = RoutesConfig.parse(text: text, reader: routesReader, connections: names)
        } else {
            routesReader.problem(at: nil, "cannot read \(directory)/\(routesFile)")
        }
        problems += routesReader.problems
        guard problems.isEmpty, let routes else { throw ConfigError(problems) }
        let version = "cfg_" + Hex.encode(hasher.finalize()).prefix(16)
        return ConfigSnapshot(routes: routes, connections: connections, version: version)
    }

    /// The `outbound:` block of `directory/routes.yaml` alone, for tools that check merchants' URLs without the whole
    /// config (`pasarela merchants`): the defaults when the folder has no routes file.
    /// - Throws: ``ConfigError`` when the routes file is there but not valid.
    public static func outbound(directory: String, routesFile: String = "routes.yaml") throws(ConfigError) -> OutboundConfig {
        guard let text = readText(directory + "/" + routesFile) else { return OutboundConfig() }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/adapters")) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { String($0.prefix(upTo: $0.lastIndex(of: ".")!)) }
        let reader = YAMLReader(file: routesFile)
        let routes = RoutesConfig.parse(text: text, reader: reader, connections: Set(names))
        guard reader.problems.isEmpty, let routes else { throw ConfigError(reader.problems) }
        return routes.outbound
    }

    /// This config with `text` as its routes file instead: the connections stay, the rules are `text`'s, checked
    /// against those connections with the same file:line:column problems as a load. For a candidate rules file (the
    /// console's editor, `pasarela routes whatif`).
    public func replacingRoutes(text: String, file: String = "routes.yaml") throws(ConfigError) -> ConfigSnapshot {
        let reader = YAMLReader(file: file)
        let routes = RoutesConfig.parse(text: text, reader: reader, connections: Set(connections.keys))
        guard reader.problems.isEmpty, let routes else {
            throw ConfigError(reader.problems.isEmpty ? [ConfigProblem(file: file, line: 1, column: 1, message: "not a routes file")] : reader.problems)
        }
        var hasher = SHA256()
        hasher.update(data: Array("\(file)\n\(text)\n".utf8))
        return ConfigSnapshot(routes: routes, connections: connections, version: "cand_" + Hex.encode(hasher.finalize()).prefix(16))
    }

    static func readText(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
    }
}
