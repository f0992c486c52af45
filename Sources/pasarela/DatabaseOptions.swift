import ArgumentParser
import Foundation
import PasarelaApp
import PasarelaStore

/// `--database` and `--database-pool-size`, the same for every command that opens the store.
struct DatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A SQLite file, or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require] (default: $PASARELA_DATABASE_URL, else pasarela.sqlite).",
                               valueName: "path-or-url"))
    var database: String?
    @Option(help: "The most PostgreSQL connections this process opens.") var databasePoolSize = 10

    /// The database named by the option, else by `PASARELA_DATABASE_URL`, else the default file.
    var location: String { database ?? ProcessInfo.processInfo.environment["PASARELA_DATABASE_URL"] ?? "pasarela.sqlite" }

    func validate() throws {
        guard (1...500).contains(databasePoolSize) else { throw ValidationError("--database-pool-size takes 1 to 500") }
        do { _ = try DatabaseLocation.parse(location) } catch { throw ValidationError("\(error)") }
    }

    /// Puts the database in `options`; `mustExist` refuses a SQLite file that is not there (commands that read one).
    func apply(to options: inout StackOptions, mustExist: Bool = false) throws {
        if mustExist, case .sqlite(let path)? = try? DatabaseLocation.parse(location), !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("no database at \(path)")
        }
        options.database = location
        options.databasePoolSize = databasePoolSize
    }
}

/// Says why the store cannot be opened, and exits non-zero.
func failOpening(_ error: StoreError, _ database: String) -> Never {
    let location = (try? DatabaseLocation.parse(database)).map(String.init(describing:)) ?? database
    FileHandle.standardError.write(Data("error: cannot open the \(location): \(error)\n".utf8))
    Foundation.exit(1)
}
