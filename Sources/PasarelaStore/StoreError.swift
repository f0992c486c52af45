/// Why a store cannot serve.
public enum StoreError: Error, Sendable, CustomStringConvertible {
    /// The database was migrated by a newer Pasarela: these migrations are unknown to this one.
    case schemaTooNew([String])
    /// The database cannot be reached now (connection refused, lost, timed out); a retry may succeed.
    case unavailable(String)
    /// The database location cannot be understood.
    case badLocation(String)
    /// The database refused a statement (a bug, or a schema that is not Pasarela's).
    case refused(String)

    public var description: String {
        switch self {
        case .schemaTooNew(let ids):
            "the database was migrated by a newer Pasarela (unknown migrations: \(ids.joined(separator: ", "))); run that version or newer"
        case .unavailable(let reason): "the database is unavailable: \(reason)"
        case .badLocation(let reason): reason
        case .refused(let reason): "the database refused a statement: \(reason)"
        }
    }
}
