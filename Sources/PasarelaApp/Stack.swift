import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import PasarelaConsole
import PasarelaCore
import PasarelaGateway
import PasarelaRouting
import PasarelaSandbox
import PasarelaServer
import PasarelaStore
import ServiceLifecycle
import UnixSignals

/// Starts Pasarela from options: loads and validates config, opens the store, starts the emulators in sandbox mode
/// (in process, or reaches a running `pasarela sandbox`), and runs the gateway with its config watcher, outbox
/// dispatcher and reconciler in one service group.
public enum Stack {
    public static func start(_ options: StackOptions, signals: [UnixSignal] = [], logger: Logger? = nil) async throws -> RunningStack {
        Observability.bootstrap(logFormat: options.logFormat)
        var logger = logger ?? Logger(label: "pasarela")
        if logger.logLevel > .info { logger.logLevel = .info }
        let fingerprint = ConfigWatcher.fingerprint(options.configDirectory)
        var snapshot = try ConfigSnapshot.load(directory: options.configDirectory, env: options.environment)
        let (merchants, sandboxKey) = try merchantDirectory(options)
        let opened = try await openStore(options, logger: logger)
        let store = opened.store

        let sandbox = try await emulators(for: &snapshot, options: options, logger: logger, signals: signals)
        var groups = sandbox.groups, runs = sandbox.runs
        let emulators = sandbox.emulators, emulatorURLs = sandbox.urls

        let gateway = Gateway(snapshot: snapshot, store: store, merchants: merchants,
                              publicBaseURL: options.publicURL ?? "http://\(options.host):\(options.port)", logger: logger, now: options.now,
                              workLease: options.workLease, requestLease: options.requestLease, sandbox: options.sandbox,
                              duplicateFlush: options.duplicateFlushInterval)
        let openAPI = try? String(contentsOfFile: options.configDirectory + "/openapi.yaml", encoding: .utf8)
        // A reloaded sandbox config keeps pointing its connections at the emulators already running.
        let redirect = emulatorURLs
        let watcher = ConfigWatcher(directory: options.configDirectory, gateway: gateway, environment: options.environment,
                                    interval: options.configPollInterval, logger: logger, initial: fingerprint) { snapshot in
            for (name, url) in redirect where snapshot.connections[name]?.environment == .sandbox {
                snapshot.connections[name]?.baseURL = url
            }
        }
        let console = Console(gateway: gateway, configDirectory: options.configDirectory, reload: { watcher.reload() },
                              secureCookies: !options.sandbox, sessionLifetime: options.consoleSessionLifetime)
        let mounted = emulators
        let consoleHere = options.console == .sameListener
        let (port, group, run) = try await launch(logger: logger, signals: signals) { onRunning in
            GatewayServer.application(gateway: gateway, host: options.host, port: options.port, openAPI: openAPI, metrics: {
                await GatewayMetrics.refreshGauges(gateway)
                return Observability.registry.emitToBuffer()
            }, extraRoutes: { router in
                for (name, emulator) in mounted { emulator.addAllControlRoutes(to: router.group("/sandbox/\(name)")) }
                if consoleHere { ConsoleRoutes<GatewayContext>(console: console).add(to: router) }
            }, onRunning: onRunning)
        }
        groups.append(group)
        runs.append(run)
        let gatewayURL = "http://\(options.host):\(port)"
        var consoleURL: String? = consoleHere ? gatewayURL + "/console" : nil
        if case .listen(let host, let consolePort) = options.console {
            let (bound, group, run) = try await launch(logger: logger, signals: signals) { onRunning in
                ConsoleServer.application(console: console, host: host, port: consolePort, logger: logger, onRunning: onRunning)
            }
            groups.append(group)
            runs.append(run)
            consoleURL = "http://\(host):\(bound)/console"
        }
        gateway.live.setListenAddress(host: options.host, port: port)
        if options.publicURL == nil { gateway.live.setPublicBaseURL(gatewayURL) }
        // `pasarela reconcile --once` sends PSPs the same webhook URL as this gateway.
        do { try await store.setSetting(Stack.publicURLSetting, to: gateway.live.publicBaseURL, at: options.now()) } catch {
            logger.warning("public URL not recorded for pasarela reconcile", metadata: ["error": .string("\(type(of: error))")])
        }
        for (name, emulator) in emulators { emulator.setWebhookTarget("\(gateway.live.publicBaseURL)/webhooks/\(name)") }
        if let external = options.sandboxURL, options.sandbox {
            try await Emulators.register(external, connections: Array(emulatorURLs.keys), gatewayURL: gateway.live.publicBaseURL)
        }
        let dispatcher = OutboxDispatcher(gateway: gateway, schedule: options.notificationSchedule,
                                          pollInterval: options.outboxPollInterval, logger: logger)
        var services: [any Service] = [watcher, dispatcher, gateway.duplicates]
        if let interval = options.reconcileInterval { services.append(ReconcilerService(reconciler: gateway.reconciler, interval: interval, logger: logger)) }
        let serviceGroup = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: signals, logger: logger))
        groups.append(serviceGroup)
        runs.append(Task { try await serviceGroup.run() })
        return RunningStack(gateway: gateway, gatewayURL: gatewayURL, consoleURL: consoleURL, emulators: emulators, emulatorURLs: emulatorURLs,
                            sandboxAPIKey: sandboxKey, watcher: watcher, dispatcher: dispatcher, groups: groups, runs: runs, store: opened)
    }

    /// The emulators a sandbox config talks to: a running `pasarela sandbox` (`options.sandboxURL`), else started in
    /// process on free loopback ports; the snapshot's sandbox connections are pointed at them.
    static func emulators(for snapshot: inout ConfigSnapshot, options: StackOptions, logger: Logger, signals: [UnixSignal]) async throws
        -> (emulators: [String: any SandboxEmulator], urls: [String: String], groups: [ServiceGroup], runs: [Task<Void, any Error>]) {
        var groups: [ServiceGroup] = [], runs: [Task<Void, any Error>] = []
        var emulators: [String: any SandboxEmulator] = [:], urls: [String: String] = [:]
        if options.sandbox, let external = options.sandboxURL {
            urls = Emulators.external(external, for: snapshot)
        } else if options.sandbox {
            for connection in snapshot.connections.values.sorted(by: { $0.name < $1.name }) where connection.environment == .sandbox {
                guard let emulator = Emulators.make(for: connection, now: options.now) else { continue }
                let (port, group, run) = try await launch(logger: logger, signals: signals) { onRunning in
                    SandboxServer.application(emulator: emulator, name: connection.name, host: "127.0.0.1", port: 0, onRunning: onRunning)
                }
                emulators[connection.name] = emulator
                urls[connection.name] = "http://127.0.0.1:\(port)"
                groups.append(group)
                runs.append(run)
            }
        }
        for (name, url) in urls { snapshot.connections[name]?.baseURL = url }
        return (emulators, urls, groups, runs)
    }

    /// The name under which a running gateway records its public URL in the store.
    public static let publicURLSetting = "public_url"

    /// The gateway without its HTTP server and services, for one-off commands (`pasarela reconcile --once`): the same
    /// config, database and connections `serve` would use with these options, and the public URL the last gateway
    /// started on the database serves under (unless `publicURL` says otherwise). In sandbox mode it needs `sandboxURL`,
    /// since in-process emulators would remember nothing.
    public static func offline(_ options: StackOptions, logger: Logger? = nil) async throws -> Gateway {
        var snapshot = try ConfigSnapshot.load(directory: options.configDirectory, env: options.environment)
        if options.sandbox, let external = options.sandboxURL {
            for (name, url) in Emulators.external(external, for: snapshot) { snapshot.connections[name]?.baseURL = url }
        }
        let (merchants, _) = try merchantDirectory(options)
        let store = try await openStore(options, logger: logger ?? Logger(label: "pasarela")).store
        let recorded = options.publicURL == nil ? try await store.setting(publicURLSetting) : nil
        return Gateway(snapshot: snapshot, store: store, merchants: merchants,
                       publicBaseURL: options.publicURL ?? recorded ?? "http://\(options.host):\(options.port)",
                       logger: logger ?? Logger(label: "pasarela"), now: options.now, workLease: options.workLease,
                       requestLease: options.requestLease, sandbox: options.sandbox)
    }
}
