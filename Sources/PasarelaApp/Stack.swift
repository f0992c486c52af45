import Foundation
import Hummingbird
import Logging
import PasarelaCore
import PasarelaGateway
import PasarelaRouting
import PasarelaSandbox
import PasarelaServer
import PasarelaStore
import ServiceLifecycle
import UnixSignals

/// Pasarela started in process: the gateway and, in sandbox mode, the emulators it talks to over loopback.
public final class RunningStack: Sendable {
    public let gateway: Gateway
    public let gatewayURL: String
    /// Emulators by the connection they stand in for, and their own URLs, in sandbox mode.
    public let emulators: [String: any SandboxEmulator]
    public let emulatorURLs: [String: String]
    /// The merchant key that works in sandbox mode.
    public let sandboxAPIKey: String?
    /// Reloads the config on SIGHUP and on file changes; `reload()` does it now.
    public let watcher: ConfigWatcher
    let groups: [ServiceGroup]
    let runs: [Task<Void, any Error>]

    init(gateway: Gateway, gatewayURL: String, emulators: [String: any SandboxEmulator], emulatorURLs: [String: String],
         sandboxAPIKey: String?, watcher: ConfigWatcher, groups: [ServiceGroup], runs: [Task<Void, any Error>]) {
        self.watcher = watcher
        self.gateway = gateway
        self.gatewayURL = gatewayURL
        self.emulators = emulators
        self.emulatorURLs = emulatorURLs
        self.sandboxAPIKey = sandboxAPIKey
        self.groups = groups
        self.runs = runs
    }

    public var dlocal: DLocalEmulator? { emulators["dlocal"] as? DLocalEmulator }
    public var checkout: CheckoutEmulator? { emulators["checkout"] as? CheckoutEmulator }
    public var pagoefectivo: PagoEfectivoEmulator? { emulators["pagoefectivo"] as? PagoEfectivoEmulator }

    /// Stops every server gracefully and waits for them.
    public func stop() async {
        for group in groups.reversed() { await group.triggerGracefulShutdown() }
        for run in runs { _ = await run.result }
    }

    /// Waits until the servers stop (on SIGTERM/SIGINT when started with signals).
    public func wait() async throws {
        for run in runs { try await run.value }
    }
}

/// Starts Pasarela from options: loads and validates config, opens the store, starts the emulators in sandbox mode.
public enum Stack {
    public static func start(_ options: StackOptions, signals: [UnixSignal] = [], logger: Logger? = nil) async throws -> RunningStack {
        var logger = logger ?? Logger(label: "pasarela")
        if logger.logLevel > .info { logger.logLevel = .info }
        let fingerprint = ConfigWatcher.fingerprint(options.configDirectory)
        var snapshot = try ConfigSnapshot.load(directory: options.configDirectory, kinds: Gateway.kinds, env: options.environment)
        let store = try SQLiteStore(path: options.databasePath)
        var merchants = MerchantDirectory()
        var sandboxKey: String?
        if options.sandbox {
            let key = options.environment["PASARELA_SANDBOX_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? MerchantDirectory.defaultSandboxKey
            guard key.hasPrefix("sk_test_") else { throw StackError.badKey("PASARELA_SANDBOX_API_KEY must start with sk_test_") }
            let secret = options.environment["PASARELA_SANDBOX_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
                ?? MerchantDirectory.defaultSandboxWebhookSecret
            merchants.add(key: key, merchant: Merchant(id: "merchant_sandbox", livemode: false, webhookSecret: secret,
                                                       notificationURL: options.environment["PASARELA_SANDBOX_NOTIFICATION_URL"]))
            sandboxKey = key
        }
        try addConfiguredKeys(options.environment["PASARELA_API_KEYS"], to: &merchants)
        try configureMerchants(secrets: options.environment["PASARELA_WEBHOOK_SECRETS"],
                               urls: options.environment["PASARELA_NOTIFICATION_URLS"], in: &merchants)

        var groups: [ServiceGroup] = [], runs: [Task<Void, any Error>] = []
        var emulators: [String: any SandboxEmulator] = [:], emulatorURLs: [String: String] = [:]
        if options.sandbox {
            for connection in snapshot.connections.values.sorted(by: { $0.name < $1.name }) where connection.environment == .sandbox {
                guard let emulator = Emulators.make(for: connection) else { continue }
                let (port, group, run) = try await launch(logger: logger, signals: signals) { onRunning in
                    SandboxServer.application(emulator: emulator, name: connection.name, host: "127.0.0.1", port: 0, onRunning: onRunning)
                }
                emulators[connection.name] = emulator
                emulatorURLs[connection.name] = "http://127.0.0.1:\(port)"
                snapshot.connections[connection.name]?.baseURL = "http://127.0.0.1:\(port)"
                groups.append(group)
                runs.append(run)
            }
        }

        let gateway = Gateway(snapshot: snapshot, store: store, merchants: merchants,
                              publicBaseURL: options.publicURL ?? "http://\(options.host):\(options.port)", logger: logger)
        let openAPI = try? String(contentsOfFile: options.configDirectory + "/openapi.yaml", encoding: .utf8)
        let mounted = emulators
        let (port, group, run) = try await launch(logger: logger, signals: signals) { onRunning in
            GatewayServer.application(gateway: gateway, host: options.host, port: options.port, openAPI: openAPI, extraRoutes: { router in
                for (name, emulator) in mounted { emulator.addAllControlRoutes(to: router.group("/sandbox/\(name)")) }
            }, onRunning: onRunning)
        }
        groups.append(group)
        runs.append(run)
        let gatewayURL = "http://\(options.host):\(port)"
        if options.publicURL == nil { gateway.setPublicBaseURL(gatewayURL) }
        for (name, emulator) in emulators { Emulators.register(emulator, webhookURL: "\(gateway.publicBaseURL)/webhooks/\(name)") }
        // A reloaded sandbox config keeps pointing its connections at the emulators already running.
        let redirect = emulatorURLs
        let watcher = ConfigWatcher(directory: options.configDirectory, gateway: gateway, environment: options.environment,
                                    interval: options.configPollInterval, logger: logger, initial: fingerprint) { snapshot in
            for (name, url) in redirect where snapshot.connections[name]?.environment == .sandbox {
                snapshot.connections[name]?.baseURL = url
            }
        }
        let dispatcher = OutboxDispatcher(gateway: gateway, schedule: options.notificationSchedule,
                                          pollInterval: options.outboxPollInterval, logger: logger)
        let watcherGroup = ServiceGroup(configuration: .init(services: [watcher, dispatcher], gracefulShutdownSignals: signals, logger: logger))
        groups.append(watcherGroup)
        runs.append(Task { try await watcherGroup.run() })
        return RunningStack(gateway: gateway, gatewayURL: gatewayURL, emulators: emulators, emulatorURLs: emulatorURLs,
                            sandboxAPIKey: sandboxKey, watcher: watcher, groups: groups, runs: runs)
    }

    /// `PASARELA_API_KEYS="merchant_a:sk_live_...,merchant_b:sk_test_..."`.
    static func addConfiguredKeys(_ text: String?, to merchants: inout MerchantDirectory) throws {
        guard let text, !text.isEmpty else { return }
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("sk_live_") || parts[1].hasPrefix("sk_test_") else {
                throw StackError.badKey("PASARELA_API_KEYS entries are merchant_id:sk_live_... or merchant_id:sk_test_...")
            }
            merchants.add(key: parts[1], merchant: Merchant(id: parts[0], livemode: parts[1].hasPrefix("sk_live_")))
        }
    }

    /// `PASARELA_WEBHOOK_SECRETS="merchant_id:whsec_...,..."` and `PASARELA_NOTIFICATION_URLS="merchant_id=https://...,..."`.
    static func configureMerchants(secrets: String?, urls: String?, in merchants: inout MerchantDirectory) throws {
        for entry in (secrets ?? "").split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty, merchants.merchant(id: parts[0]) != nil else {
                throw StackError.badKey("PASARELA_WEBHOOK_SECRETS entries are merchant_id:secret for a merchant in PASARELA_API_KEYS")
            }
            merchants.configure(merchantId: parts[0], webhookSecret: parts[1], notificationURL: nil)
        }
        for entry in (urls ?? "").split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[1].hasPrefix("http"), merchants.merchant(id: parts[0]) != nil else {
                throw StackError.badKey("PASARELA_NOTIFICATION_URLS entries are merchant_id=https://... for a known merchant")
            }
            merchants.configure(merchantId: parts[0], webhookSecret: nil, notificationURL: parts[1])
        }
    }

    /// Runs an application in its own service group and waits until it listens.
    static func launch<App: ApplicationProtocol>(logger: Logger, signals: [UnixSignal],
                                                 make: (@escaping @Sendable (Int) async -> Void) -> App) async throws
        -> (Int, ServiceGroup, Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in continuation.yield(port); continuation.finish() }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        let run = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = await run.result
            throw StackError.didNotStart
        }
        return (port, group, run)
    }
}

public enum StackError: Error, CustomStringConvertible {
    case didNotStart
    case badKey(String)

    public var description: String {
        switch self {
        case .didNotStart: "a server did not start (is the port free?)"
        case .badKey(let message): message
        }
    }
}
