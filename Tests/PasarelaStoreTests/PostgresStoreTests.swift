import Foundation
import PasarelaCore
import PasarelaStore
import PasarelaTestSupport
import Testing

/// What only the shared store does: instances starting and claiming side by side, and a server that goes away.
@Suite(.enabled(if: TestPostgres.runs, Comment(rawValue: TestPostgres.skipReason))) struct PostgresStoreTests {
    func location(_ url: String) throws -> DatabaseLocation.PostgresLocation {
        guard case .postgres(let location) = try DatabaseLocation.parse(url) else { throw TestPostgresMissing() }
        return location
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        let url = try await TestPostgres.createDatabase()
        let target = try location(url)
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresStore(target, poolSize: 2) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 4)
        for store in stores { try await store.ping() }
        let created = Fixtures.payment()
        #expect(try await stores[0].create(created, idempotency: nil) == .created)
        #expect(try await stores[3].payment(id: created.id, merchantId: nil)?.payment.id == created.id)
        for store in stores { await store.close() }
        await TestPostgres.dropDatabase(url)
    }

    @Test func aDatabaseMigratedByANewerPasarelaIsRefused() async throws {
        let url = try await TestPostgres.createDatabase()
        let target = try location(url)
        let store = try await PostgresStore(target, poolSize: 1)
        try await TestPostgres.execute(url, "INSERT INTO pasarela_migrations (id) VALUES ('v99_from_the_future')")
        await store.close()
        do {
            let refused = try await PostgresStore(target, poolSize: 1)
            await refused.close()
            Issue.record("a newer schema was accepted")
        } catch let error as StoreError {
            #expect("\(error)".contains("v99_from_the_future"))
        }
        await TestPostgres.dropDatabase(url)
    }

    @Test func twoInstancesClaimDifferentWork() async throws {
        try await StoreHandle.with(.postgres) { handle, store in
            let other = try await handle.open()
            let now = Fixtures.now()
            for index in 0..<40 {
                var payment = Fixtures.payment(order: "o-\(index)")
                payment.nextLookAt = now.addingTimeInterval(-1)
                _ = try await store.create(payment, idempotency: nil)
                try await Fixtures.write(store, payment, events: [Fixtures.event("evt_\(index)")])
            }
            // After the writes: each notification is due from its event's time, which a loaded machine can push past
            // a claim time taken before them.
            let claimAt = Fixtures.now().addingTimeInterval(1)
            let lease = claimAt.addingTimeInterval(60)
            async let payments: [[String]] = withThrowingTaskGroup(of: [String].self) { group in
                for claimer in [store, other] {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await claimer.claimDue(now: claimAt, limit: 3, leaseUntil: lease)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.payment.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            async let notifications: [[String]] = withThrowingTaskGroup(of: [String].self) { group in
                for claimer in [store, other] {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await claimer.claimNotifications(now: claimAt, limit: 3, leaseUntil: lease)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.eventId)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for sets in [try await payments, try await notifications] {
                #expect(sets.flatMap { $0 }.count == 40, "every item claimed once")
                #expect(Set(sets[0]).isDisjoint(with: Set(sets[1])))
            }
        }
    }

    @Test func anUnreachableServerIsNamedWithItsHostAndPort() async throws {
        let closed = DatabaseLocation.PostgresLocation(host: "127.0.0.1", port: 9, user: "pasarela", password: nil, database: "nowhere", tls: .disable)
        let started = ContinuousClock.now
        do {
            let store = try await PostgresStore(closed, poolSize: 1, connectTimeout: .seconds(2))
            await store.close()
            Issue.record("a closed port was reached")
        } catch let error as StoreError {
            #expect("\(error)".contains("127.0.0.1:9"), "\(error)")
            guard case .unavailable = error else { Issue.record("not unavailable: \(error)"); return }
        }
        #expect(ContinuousClock.now - started < .seconds(20))
    }
}

/// Stops and starts the test server under a store in use: requests fail as unavailable meanwhile, and work again by
/// themselves once it is back. Run alone (it restarts the server other tests use): `.ci/run` runs it in a cluster of
/// its own with PASARELA_TEST_POSTGRES_RESTART=1.
@Suite(.enabled(if: TestPostgres.canRestart, "restarts the server: runs with PASARELA_TEST_POSTGRES_RESTART=1 and a server of its own (.ci/run)"))
struct PostgresRestartTests {
    @Test func aStoreRecoversByItselfWhenTheServerComesBack() async throws {
        try await StoreHandle.with(.postgres) { _, store in
            let created = Fixtures.payment()
            _ = try await store.create(created, idempotency: nil)
            try TestPostgres.control("stop")
            do {
                _ = try await store.payment(id: created.id, merchantId: nil)
                Issue.record("a read succeeded with the server stopped")
            } catch let error as StoreError {
                guard case .unavailable = error else { Issue.record("not unavailable: \(error)"); return }
            }
            try TestPostgres.control("start")
            var found: StoredPayment?
            for _ in 0..<50 where found == nil {
                found = try? await store.payment(id: created.id, merchantId: nil)
                if found == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(found?.payment.id == created.id)
            #expect(try await store.create(Fixtures.payment(), idempotency: nil) == .created)
        }
    }
}
