import Foundation
#if canImport(Glibc)
import Glibc
#endif
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

    /// `PASARELA_REQUIRE_POSTGRES=1` (`.ci/run` sets it): the PostgreSQL tests run whatever happens, so a server that
    /// failed to start fails them loudly instead of their being skipped.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["PASARELA_REQUIRE_POSTGRES"] == "1" }

    /// Whether the PostgreSQL tests run: a server is given, or one is required (and its absence is a failure).
    public static var runs: Bool { isAvailable || isRequired }

    /// The server's location, or nil.
    static var server: DatabaseLocation.PostgresLocation? {
        guard let url, case .postgres(let location)? = try? DatabaseLocation.parse(url) else { return nil }
        return location
    }

    /// Creates an empty database and returns its URL.
    public static func createDatabase() async throws -> String {
        guard let server else { throw TestPostgresMissing() }
        let name = "pasarela_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        // Many tests start at once: a busy server may refuse a connection for a moment (53300 too many clients, or a
        // concurrent CREATE DATABASE holding the template), so a few tries, and the server's own words when all fail.
        var tries = 0
        while true {
            do {
                try await admin(server) { connection in
                    try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test"))
                }
                break
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42P04" {
                break  // created, though the reply was lost
            } catch {
                tries += 1
                if tries >= 5 { throw TestPostgresFailure(what: "CREATE DATABASE \(name)", error: error) }
                try await Task.sleep(for: .milliseconds(200 * tries))
            }
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

/// A setup step that failed, with the server's full message (PSQLError's description hides it).
public struct TestPostgresFailure: Error, CustomStringConvertible {
    let what: String
    let error: any Error
    public var description: String { "\(what): \(String(reflecting: error))" }
}

public struct TestPostgresMissing: Error, CustomStringConvertible {
    public init() {}
    public var description: String { TestPostgres.skipReason }
}

extension TestPostgres {
    /// Whether tests may stop and start the server (a server of their own, given by `.ci/run`).
    public static var canRestart: Bool {
        isAvailable && ProcessInfo.processInfo.environment["PASARELA_TEST_POSTGRES_RESTART"] == "1"
            && ProcessInfo.processInfo.environment["PASARELA_TEST_POSTGRES_CTL"] != nil
    }

    /// `stop` or `start` the test server with the script `scripts/with-postgres` left in PASARELA_TEST_POSTGRES_CTL.
    public static func control(_ action: String) throws {
        guard let script = ProcessInfo.processInfo.environment["PASARELA_TEST_POSTGRES_CTL"] else { throw TestPostgresMissing() }
        // system(3), not Process: it waits for the script alone, whatever the server it starts keeps open.
        let status = system("'\(script)' \(action) >/dev/null 2>&1")
        guard status == 0 else { throw ControlFailed(action: action, status: status) }
    }

    /// Runs one statement in the database at `url`.
    public static func execute(_ url: String, _ sql: String) async throws {
        guard case .postgres(let location)? = try? DatabaseLocation.parse(url) else { throw TestPostgresMissing() }
        try await admin(location) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test"))
        }
    }

    public struct ControlFailed: Error {
        public var action: String
        public var status: Int32
    }
}
