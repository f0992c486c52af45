import Foundation
import PasarelaTestSupport
import Testing

/// The gateway on PostgreSQL while the server stops and starts again: requests answer 503 `database_unavailable` (and
/// `/healthz` says so) meanwhile, nothing half-written, and everything works again by itself once the server is back.
/// It restarts the server: `.ci/run` runs it alone, in a cluster of its own, with PASARELA_TEST_POSTGRES_RESTART=1.
@Suite(.serialized, .enabled(if: TestPostgres.canRestart, "restarts the server: runs with PASARELA_TEST_POSTGRES_RESTART=1 and a server of its own (.ci/run)"))
struct DatabaseRestartTests {
    @Test func theGatewayAnswers503WhileTheDatabaseIsAwayAndRecoversByItself() async throws {
        let database = try await TestPostgres.createDatabase()
        try await Harness.with(databasePath: database) { harness in
            let before = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect(before.status == 201)
            try TestPostgres.control("stop")
            let started = Date()
            let during = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(),
                                                headers: [("Authorization", "Bearer \(harness.key)"), ("Idempotency-Key", "during-outage")])
            #expect(during.status == 503, "\(during.text)")
            #expect(during.error["code"] as? String == "database_unavailable")
            #expect(Date().timeIntervalSince(started) < 20)
            #expect(try await harness.call("GET", "/healthz").status == 503)
            try TestPostgres.control("start")
            var after: Harness.Reply?
            for _ in 0..<60 {
                after = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(),
                                               headers: [("Authorization", "Bearer \(harness.key)"), ("Idempotency-Key", "during-outage")])
                if after?.status == 201 { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(after?.status == 201, "\(after?.text ?? "-")")
            #expect(try await harness.call("GET", "/healthz").status == 200)
            let id = try #require(before.json["id"] as? String)
            #expect(try await harness.payment(id)["status"] as? String == "requires_action")
            #expect((try await harness.call("GET", "/v1/payments").json["data"] as? [Any])?.count == 2)
        }
        await TestPostgres.dropDatabase(database)
    }
}
