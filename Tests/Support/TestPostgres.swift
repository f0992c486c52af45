import Foundation
import Logging
import PasarelaStore
import PostgresNIO

/// A PostgreSQL server for tests, named by `PASARELA_TEST_POSTGRES_URL` (`.ci/run` starts one). Each test gets a
/// database of its own, dropped afterwards.
public enum TestPostgres {
    public static let variable = "PASARELA_TEST_POSTGRES_URL"
    /// Why PostgreSQL tests are skipped when they are.
    public static let skipReason = "no PostgreSQL server: set PASARELA_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB (.ci/run starts one) to run the PostgreSQL store tests"

    /// The server's URL, when one is given.
    public static var url: String? {
        let value = ProcessInfo.processInfo.environment[variable]
        return value?.isEmpty == false ? value : nil
    }

    public static var isAvailable: Bool { url != nil }

    /// The server's location, or nil.
    static var server: DatabaseLocation.PostgresLocation? {
        guard let url, case .postgres(let location)? = try? DatabaseLocation.parse(url) else { return nil }
        return location
    }

    /// Creates an empty database and returns its URL.
    public static func createDatabase() async throws -> String {
        guard let server else { throw TestPostgresMissing() }
        let name = "pasarela_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await admin(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test"))
        }
        var location = server
        location.database = String(name)
        return url(location)
    }

    /// Drops a database made by ``createDatabase()``, closing what still holds it.
    public static func dropDatabase(_ url: String) async {
        guard let server, case .postgres(let location)? = try? DatabaseLocation.parse(url) else { return }
        try? await admin(server) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)"), logger: Logger(label: "test"))
        }
    }

    static func url(_ location: DatabaseLocation.PostgresLocation) -> String {
        let password = location.password.map { ":\($0)" } ?? ""
        return "postgres://\(location.user)\(password)@\(location.host):\(location.port)/\(location.database)?sslmode=disable"
    }

    static func admin(_ server: DatabaseLocation.PostgresLocation, _ body: @Sendable (PostgresConnection) async throws -> Void) async throws {
        let configuration = PostgresConnection.Configuration(host: server.host, port: server.port, username: server.user,
                                                             password: server.password, database: server.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

public struct TestPostgresMissing: Error, CustomStringConvertible {
    public var description: String { TestPostgres.skipReason }
}
