import Foundation
import PasarelaGateway

/// How to start Pasarela: where to listen, which database, which config, sandbox or not.
public struct StackOptions: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port.
    public var port: Int = 8080
    /// A SQLite file path (the embedded default), or `postgres://USER@HOST:PORT/DATABASE` for several instances.
    public var database: String = "pasarela.sqlite"
    /// The most connections a PostgreSQL store opens.
    public var databasePoolSize: Int = 10
    /// How long the reconciler and the outbox dispatcher hold the work they claim (another instance takes it up after).
    public var workLease: TimeInterval = 60
    /// How long a request (a create, a cancel, a capture, a refund) holds its payment and idempotency key, and how often it
    /// renews that hold while it runs: an instance that dies lets go within one lease.
    public var requestLease = RequestLease()
    /// The folder holding `routes.yaml` and `adapters/`.
    public var configDirectory: String = "."
    /// Sandbox mode: the built-in emulators stand in for every sandbox connection, and a test key is configured.
    public var sandbox: Bool = true
    /// The URL PSPs reach Pasarela at; defaults to `http://host:port`.
    public var publicURL: String?
    /// Environment variables, for credentials and keys.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// How often the config files are checked for changes (SIGHUP reloads at once).
    public var configPollInterval: Duration = .seconds(2)
    /// Waits between tries of a merchant notification.
    public var notificationSchedule: [Duration] = OutboxDispatcher.defaultSchedule
    /// How often the outbox is checked for due notifications when nothing wakes it.
    public var outboxPollInterval: Duration = .seconds(1)
    /// How often the reconciler looks for payments due a look; `nil` runs no reconciler (tests drive it by hand).
    public var reconcileInterval: Duration? = .seconds(5)
    /// A running `pasarela sandbox` to use instead of in-process emulators: sandbox connections then talk to
    /// `<url>/<connection>`, so a gateway crash does not wipe what the PSPs remember.
    public var sandboxURL: String?
    /// How logs are written: text lines, or one JSON object per line (`--log-format json`).
    public var logFormat: Observability.LogFormat = .text
    /// The gateway's clock: every decision, schedule and expiry reads it (tests move it by hand).
    public var now: @Sendable () -> Date = Date.init

    /// How often repeated webhook events counted in memory are added to the store.
    public var duplicateFlushInterval: Duration = .seconds(1)
    /// Where the operators' console answers: on the gateway's listener (the default), on a listener of its own, or not at
    /// all.
    public var console: ConsoleMode = .sameListener
    /// How long a console session lives from its login.
    public var consoleSessionLifetime: TimeInterval = 8 * 3600

    public enum ConsoleMode: Sendable, Equatable {
        case sameListener
        case listen(host: String, port: Int)
        case off
    }

    public init() {}
}
