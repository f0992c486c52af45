import Foundation
@testable import PasarelaStore
import Testing

/// `--database` / `PASARELA_DATABASE_URL`: a file path or a PostgreSQL URL, and a clear refusal for anything else.
@Suite struct DatabaseLocationTests {
    func refusal(_ text: String) -> String {
        do {
            _ = try DatabaseLocation.parse(text)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func pathsAndURLsAreRead() throws {
        #expect(try DatabaseLocation.parse("pasarela.sqlite") == .sqlite(path: "pasarela.sqlite"))
        #expect(try DatabaseLocation.parse("postgres://app:s3cret@db.internal:6543/payments?sslmode=require")
            == .postgres(.init(host: "db.internal", port: 6543, user: "app", password: "s3cret", database: "payments", tls: .require)))
        #expect(try DatabaseLocation.parse("postgresql://app@127.0.0.1/payments")
            == .postgres(.init(host: "127.0.0.1", port: 5432, user: "app", database: "payments", tls: .prefer)))
    }

    @Test func malformedLocationsAreRefusedWithoutRepeatingAPassword() throws {
        #expect(refusal("postgres://127.0.0.1/payments").contains("names no user"))
        #expect(refusal("postgres://app@/payments").contains("names no host"))
        #expect(refusal("postgres://app@db").contains("names no database"))
        #expect(refusal("postgres://app@db:70000/payments") != "accepted")
        #expect(refusal("postgres://app@db/payments?sslmode=maybe").contains("sslmode must be"))
        #expect(refusal("postgres://app@db/payments?pool=3").contains("unknown database URL parameter 'pool'"))
        let other = refusal("mysql://app:hunter2@db/payments")
        #expect(other.contains("mysql://"))
        #expect(!other.contains("hunter2"))
        #expect(!(try DatabaseLocation.parse("postgres://app:hunter2@db/payments")).description.contains("hunter2"))
        #expect(refusal("").contains("empty"))
    }

    @Test func bothStoresKnowTheSameMigrations() {
        #expect(PostgresMigrations.all.map(\.id) == SQLiteMigrations.migrator.migrations)
    }
}
