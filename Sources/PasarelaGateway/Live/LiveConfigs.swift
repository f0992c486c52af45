import Foundation
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

    /// The reconciler's schedule for a payment: its connection's (that of its last attempt before one took it).
    func lookPolicy(_ stored: StoredPayment) -> LookPolicy {
        connections[stored.payment.connection ?? stored.lastAttempt?.connection ?? ""]?.config.reconcile ?? LookPolicy()
    }
}

/// What is in force now: the config (swapped whole on reload), the public URL PSPs post webhooks under, where this
/// instance listens, and whether it runs in sandbox mode. Every use case reads the config from here when it starts.
public final class LiveConfigs: Sendable {
    private let live: Mutex<LiveConfig>
    private let base: Mutex<String>
    private let listening = Mutex<[(host: String, port: Int)]>([])
    /// Sandbox mode: merchants' URLs may point at loopback and private addresses unless `outbound:` says otherwise.
    public let sandbox: Bool

    public init(snapshot: ConfigSnapshot, publicBaseURL: String, sandbox: Bool) {
        let trimmed = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        base = Mutex(trimmed)
        live = Mutex(Self.build(snapshot, publicBaseURL: trimmed))
        self.sandbox = sandbox
    }

    /// The config in force now.
    public var current: LiveConfig { live.withLock { $0 } }

    /// Pasarela's public base URL; PSPs are told to post webhooks under it.
    public var publicBaseURL: String { base.withLock { $0 } }

    /// Puts a new validated snapshot in force; requests already running keep theirs.
    public func install(_ snapshot: ConfigSnapshot) {
        let built = Self.build(snapshot, publicBaseURL: publicBaseURL)
        live.withLock { $0 = built }
    }

    /// Changes the public base URL (known only once the server has bound its port) and rebuilds the connections.
    public func setPublicBaseURL(_ url: String) {
        base.withLock { $0 = url.hasSuffix("/") ? String(url.dropLast()) : url }
        install(current.snapshot)
    }

    /// Records where the gateway listens, so merchant URLs pointing back at it are refused.
    public func setListenAddress(host: String, port: Int) { listening.withLock { $0 = [(host, port)] } }

    /// The outbound URL policy in force now.
    public var outbound: OutboundPolicy {
        OutboundPolicy(config: current.snapshot.routes.outbound, sandbox: sandbox, own: listening.withLock { $0 })
    }

    static func build(_ snapshot: ConfigSnapshot, publicBaseURL: String) -> LiveConfig {
        var connections: [String: Connection] = [:]
        for (name, config) in snapshot.connections {
            let context = AdapterContext(connection: name, baseURL: config.baseURL, webhookURL: "\(publicBaseURL)/webhooks/\(name)")
            connections[name] = Connection(config: config, adapter: config.adapter, context: context)
        }
        return LiveConfig(snapshot: snapshot, connections: connections)
    }
}
