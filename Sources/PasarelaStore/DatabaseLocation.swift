import Foundation

/// Where the store lives: a SQLite file (the embedded default), or a PostgreSQL database several gateway instances
/// share, named by a URL `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public struct PostgresLocation: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        public var tls: TLSMode

        public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String, tls: TLSMode = .prefer) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
            self.database = database
            self.tls = tls
        }

        public enum TLSMode: String, Sendable { case disable, prefer, require }
    }

    /// Reads `--database` / `PASARELA_DATABASE_URL`: a `postgres://` or `postgresql://` URL, else a file path.
    /// - Throws: ``StoreError/badLocation(_:)`` with what is wrong in a malformed URL.
    public static func parse(_ text: String) throws(StoreError) -> DatabaseLocation {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            if let separator = text.range(of: "://") {
                // The rest of a URL may hold a password: only its scheme is repeated.
                let scheme = text[..<separator.lowerBound].prefix(20)
                throw .badLocation("\(scheme):// is not a database Pasarela uses: give a SQLite file path or postgres://USER@HOST:PORT/DATABASE")
            }
            guard !text.isEmpty else { throw .badLocation("the database location is empty: give a SQLite file path or postgres://USER@HOST:PORT/DATABASE") }
            return .sqlite(path: text)
        }
        guard let url = URLComponents(string: text) else { throw .badLocation("the database URL is malformed (postgres://USER@HOST:PORT/DATABASE)") }
        guard let host = url.host, !host.isEmpty else { throw .badLocation("the database URL names no host (postgres://USER@HOST:PORT/DATABASE)") }
        guard let user = url.user, !user.isEmpty else { throw .badLocation("the database URL names no user (postgres://USER@\(host)/DATABASE)") }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw .badLocation("the database URL names no database (postgres://\(user)@\(host)/DATABASE)")
        }
        let port = url.port ?? 5432
        guard (1...65535).contains(port) else { throw .badLocation("the database port \(port) is out of range") }
        var tls = PostgresLocation.TLSMode.prefer
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(PostgresLocation.TLSMode.init(rawValue:)) else {
                    throw .badLocation("sslmode must be disable, prefer or require")
                }
                tls = mode
            default:
                throw .badLocation("unknown database URL parameter '\(item.name.prefix(40))' (known: sslmode)")
            }
        }
        return .postgres(PostgresLocation(host: host, port: port, user: user, password: url.password, database: database, tls: tls))
    }

    /// The location without its password, for messages and logs.
    public var description: String {
        switch self {
        case .sqlite(let path): "SQLite file \(path)"
        case .postgres(let location): "PostgreSQL database \(location.database) at \(location.host):\(location.port) as \(location.user)"
        }
    }
}
