import Foundation
import Logging
import PasarelaStore

/// An open store, and how to close it.
public struct OpenStore: Sendable {
    public let store: any PaymentStore
    public let location: DatabaseLocation
    let closing: @Sendable () async -> Void

    public func close() async { await closing() }
}

extension Stack {
    /// Opens the store `options.database` names: a SQLite file (the default), or PostgreSQL by URL.
    /// - Throws: ``StoreError`` with what is wrong: a malformed URL, a server that cannot be reached (host and port
    ///   named), a schema newer than this binary.
    public static func openStore(_ options: StackOptions, logger: Logger) async throws -> OpenStore {
        let location = try DatabaseLocation.parse(options.database)
        switch location {
        case .sqlite(let path):
            return OpenStore(store: try SQLiteStore(path: path), location: location) {}
        case .postgres(let postgres):
            let store = try await PostgresStore(postgres, poolSize: options.databasePoolSize, logger: logger)
            return OpenStore(store: store, location: location) { await store.close() }
        }
    }
}
