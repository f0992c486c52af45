import Foundation
import Logging
import NIOCore
import PasarelaCore
import PostgresNIO

/// The shared store: one PostgreSQL database behind several gateway instances. Coordination goes through the database
/// alone: unique constraints for idempotency keys and webhook dedupe, compare-and-set for payments, and claims with
/// `FOR UPDATE SKIP LOCKED` and a lease for the outbox and the reconciler. Every commit is durable before it returns
/// (`synchronous_commit` as the server has it, on by default).
public final class PostgresStore: SQLBackedStore {
    let client: PostgresClient
    let running: Task<Void, Never>
    public let executor: any SQLExecutor
    public let location: DatabaseLocation.PostgresLocation

    /// Connects (with a pool of at most `poolSize` connections), checks the schema and applies pending migrations under
    /// an advisory lock, so instances starting together migrate once.
    /// - Parameter requestDeadline: how long a request waits for a connection before it is answered unavailable (503).
    /// - Throws: ``StoreError/unavailable(_:)`` naming the host and port when the server cannot be reached in
    ///   `connectTimeout`; ``StoreError/schemaTooNew(_:)`` when a newer Pasarela migrated the database.
    public init(_ location: DatabaseLocation.PostgresLocation, poolSize: Int = 10, connectTimeout: Duration = .seconds(10),
                requestDeadline: Duration = .seconds(5), logger: Logger = Logger(label: "pasarela.postgres")) async throws {
        let tls: PostgresClient.Configuration.TLS = switch location.tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user,
                                                         password: location.password, database: location.database, tls: tls)
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.connectTimeout = connectTimeout
        var quiet = logger
        quiet.logLevel = .critical
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        self.client = client
        self.location = location
        running = Task { await client.run() }
        let startup = PostgresExecutor(client: client, where: "\(location.host):\(location.port)", leaseDeadline: connectTimeout)
        executor = PostgresExecutor(client: client, where: "\(location.host):\(location.port)", leaseDeadline: requestDeadline)
        do {
            try await PostgresMigrations.apply(using: startup)
        } catch {
            running.cancel()
            throw error
        }
    }

    /// Closes the pool's connections.
    public func close() async {
        running.cancel()
        _ = await running.value
    }
}
