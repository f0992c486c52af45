import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import PasarelaStore
import Synchronization

/// A PSP connection ready to use: its config, its adapter and what the adapter needs to sign.
public struct Connection: Sendable {
    public var config: ConnectionConfig
    public var adapter: any PSPAdapter
    public var context: AdapterContext

    /// Masks this connection's credentials (and an access token) wherever they appear.
    func redactor(token: String? = nil) -> Redactor {
        Redactor(secrets: config.credentials.secrets + (token.map { [$0] } ?? []))
    }
}

/// The live config: a validated snapshot and the connections built from it. Swapped whole; a request keeps
/// the one it started with.
public struct LiveConfig: Sendable {
    public var snapshot: ConfigSnapshot
    public var connections: [String: Connection]
}

/// The gateway's use cases and what they share: the store, the live config, the HTTP executor, the merchants.
public final class Gateway: Sendable {
    public let store: any PaymentStore
    public let merchants: MerchantDirectory
    public let executor: HTTPExecutor
    /// Pasarela's public base URL; PSPs are told to post webhooks under it.
    public var publicBaseURL: String { base.withLock { $0 } }
    private let base: Mutex<String>
    public let logger: Logger
    public let now: @Sendable () -> Date
    /// How long the reconciler and the outbox dispatcher hold the work they claim: another instance takes it up when a
    /// claimer dies before finishing.
    public let workLease: TimeInterval
    /// How long a request holds its payment and key, renewed while it runs.
    public let requestLease: RequestLease
    private let live: Mutex<LiveConfig>
    /// Every call to a PSP goes through it: in-flight limits, tokens, metrics, alerts, transcripts, breakers.
    public let psp: PSPClient
    /// The holds of the requests running here, renewed together.
    let leaseKeeper = LeaseKeeper()
    /// One circuit breaker per connection.
    public var breakers: CircuitBreakers { psp.breakers }
    /// Alerts on connections whose PSP says they are set up wrong.
    public var alerts: ConnectionAlerts { psp.alerts }
    /// Alerts on merchants whose setup Pasarela refuses (a notification URL the outbound policy will not call).
    public let merchantAlerts = ConnectionAlerts(subject: .merchant)
    /// Calls in flight per connection, under `limits.max_in_flight`.
    public var inFlight: InFlightCounter { psp.inFlight }
    let merchantCache = MerchantCache()
    /// Each merchant's `/v1` request allowance on this instance (`rate_limit:` in routes.yaml).
    let rateLimiter = MerchantRateLimiter()
    /// Wakes the outbox dispatcher after events are committed.
    public let outbox = OutboxSignal()
    /// Sandbox mode: merchants' URLs may point at loopback and private addresses unless `outbound:` says otherwise.
    public let sandbox: Bool
    private let listening = Mutex<[(host: String, port: Int)]>([])

    /// Token requests sent for a connection so far.
    public func tokenExchanges(for connection: String) async -> Int { await psp.tokenExchanges(for: connection) }

    /// Records where the gateway listens, so merchant URLs pointing back at it are refused.
    public func setListenAddress(host: String, port: Int) { listening.withLock { $0 = [(host, port)] } }

    /// The outbound URL policy in force now.
    public var outbound: OutboundPolicy {
        OutboundPolicy(config: config.snapshot.routes.outbound, sandbox: sandbox, own: listening.withLock { $0 })
    }

    /// Webhooks refused per connection (forged, unsigned, malformed, refused address) since start.
    private let refused = Mutex<[String: Int]>([:])

    func countRefused(_ connection: String) { refused.withLock { $0[connection, default: 0] += 1 } }

    /// What the reconciler did per connection since start, by `step:outcome`.
    let reconciled = Mutex<[String: [String: Int]]>([:])

    /// The reconciler's counts for a connection since start.
    public func reconcilerCounts(_ connection: String) -> [String: Int] { reconciled.withLock { $0[connection] ?? [:] } }

    /// Webhooks refused for a connection since start.
    public func refusedWebhooks(_ connection: String) -> Int { refused.withLock { $0[connection] ?? 0 } }

    public init(snapshot: ConfigSnapshot, store: any PaymentStore, merchants: MerchantDirectory, publicBaseURL: String,
                executor: HTTPExecutor = HTTPExecutor(), logger: Logger = Logger(label: "pasarela"),
                now: @escaping @Sendable () -> Date = Date.init, workLease: TimeInterval = 60, requestLease: RequestLease = RequestLease(),
                sandbox: Bool = true) {
        self.store = store
        self.merchants = merchants
        self.executor = executor
        let trimmed = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        self.base = Mutex(trimmed)
        self.logger = logger
        self.now = now
        self.workLease = workLease
        self.requestLease = requestLease
        self.sandbox = sandbox
        self.psp = PSPClient(executor: executor, callLog: store, logger: logger, now: now)
        self.live = Mutex(Gateway.build(snapshot, publicBaseURL: trimmed))
    }

    /// The config in force now.
    public var config: LiveConfig { live.withLock { $0 } }

    /// Puts a new validated snapshot in force; requests already running keep theirs.
    public func install(_ snapshot: ConfigSnapshot) {
        let built = Gateway.build(snapshot, publicBaseURL: publicBaseURL)
        live.withLock { $0 = built }
    }

    /// Changes the public base URL (known only once the server has bound its port) and rebuilds the connections.
    public func setPublicBaseURL(_ url: String) {
        base.withLock { $0 = url.hasSuffix("/") ? String(url.dropLast()) : url }
        install(config.snapshot)
    }

    static func build(_ snapshot: ConfigSnapshot, publicBaseURL: String) -> LiveConfig {
        var connections: [String: Connection] = [:]
        for (name, config) in snapshot.connections {
            let context = AdapterContext(connection: name, baseURL: config.baseURL, webhookURL: "\(publicBaseURL)/webhooks/\(name)")
            connections[name] = Connection(config: config, adapter: config.adapter, context: context)
        }
        return LiveConfig(snapshot: snapshot, connections: connections)
    }

    /// Routes a merchant's request with the live config and breaker state. Payments and `POST /v1/routing/explain`
    /// call this. Test keys reach only sandbox connections and live keys only production ones.
    public func plan(_ request: PaymentRequest, merchant: Merchant, config: LiveConfig, draw: Double) -> RoutePlan {
        Gateway.plan(request, merchant: merchant.id, livemode: merchant.livemode, snapshot: config.snapshot,
                     breakers: breakers.view(config.snapshot.connections, now: now()), draw: draw)
    }

    /// Routing with each connection's adapter asked whether it can carry the request: the one function behind
    /// the live path, the explain endpoint and `pasarela routes explain`.
    /// - Parameter livemode: the key's mode; `nil` (the CLI's explain) considers every connection.
    public static func plan(_ request: PaymentRequest, merchant: String?, livemode: Bool? = nil, snapshot: ConfigSnapshot,
                            breakers: BreakerView, draw: Double) -> RoutePlan {
        Router.plan(request, merchant: merchant, config: snapshot, breakers: breakers, draw: draw) { connection, request in
            if let livemode, livemode != (connection.environment == .production) {
                return (.keyMode, livemode ? "live keys reach only production connections; \(connection.name) is sandbox"
                                           : "test keys reach only sandbox connections; \(connection.name) is production")
            }
            return connection.adapter.unsupportedReason(request).map { (.unsupported, $0) }
        }
    }

    /// Validates and installs the config in `directory`; on any problem the config in force stays.
    /// - Parameter adjust: applied to the new snapshot before it is installed (sandbox mode points connections at emulators).
    /// - Returns: the installed version, or the problems.
    @discardableResult
    public func reload(from directory: String, env: [String: String], adjust: (inout ConfigSnapshot) -> Void = { _ in })
        -> Result<String, ConfigError> {
        do {
            var snapshot = try ConfigSnapshot.load(directory: directory, env: env)
            adjust(&snapshot)
            let previous = config.snapshot.version
            install(snapshot)
            logger.info("config reloaded", metadata: ["from": .string(previous), "to": .string(snapshot.version)])
            return .success(snapshot.version)
        } catch {
            logger.error("config refused; the previous config stays live", metadata: [
                "version": .string(config.snapshot.version), "problems": .string(error.description),
            ])
            return .failure(error)
        }
    }
}
