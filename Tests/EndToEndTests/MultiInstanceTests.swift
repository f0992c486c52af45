import AsyncHTTPClient
import Foundation
import NIOCore
import PasarelaAdapters
import PasarelaCore
import PasarelaStore
import PasarelaTestSupport
import Synchronization
import Testing

/// Two gateway processes on one PostgreSQL database, with the PSP emulators in a process of their own: load spread
/// across both, one Idempotency-Key sent to both at once, one PSP webhook delivered to both, then one instance killed
/// with SIGKILL mid-load while the other carries on and, after the leases, finishes the dead one's work.
@Suite(.serialized, .enabled(if: TestPostgres.runs, Comment(rawValue: TestPostgres.skipReason)))
struct MultiInstanceTests {
    /// An instance dies while its create waits for dLocal: the same key sent to the survivor is told "in flight" only
    /// while the dead instance's hold lasts (renewed while it lived, lapsing one lease after its death); then the survivor
    /// takes the payment over, finds it at dLocal by its order, and the key answers the settled payment, well within 30 s.
    @Test func aDeadInstancesCreateIsTakenOverWithinThirtySeconds() async throws {
        let run = try await MultiInstanceRun(requestMs: 60_000)
        do {
            let takeover = try await run.takeOver()
            print("multi-instance takeover: the key answered the settled payment \(String(format: "%.1f", takeover.seconds)) s after the kill; answers before: \(takeover.before)")
            #expect(takeover.seconds <= 30)
            #expect(takeover.status == "requires_action")
            #expect(Set(takeover.before).isSubset(of: [409]), "\(takeover.before)")
            #expect(takeover.ledger == 1)
        } catch {
            await run.cleanUp()
            throw error
        }
        await run.cleanUp()
    }

    @Test func twoInstancesShareOneDatabaseAndSurviveEachOther() async throws {
        let run = try await MultiInstanceRun()
        do {
            let counts = try await run.run()
            print(counts.table)
            #expect(counts.acknowledged > 0)
            #expect(counts.servedBy.values.allSatisfy { $0 > 0 }, "load reached both instances: \(counts.servedBy)")
            #expect(counts.acknowledgedMissing == 0)
            #expect(counts.sameKeyPayments == counts.sameKeyRequests)
            #expect(counts.sameKeyDifferentAnswers == 0)
            #expect(counts.pspCallsPerPaymentOverOne == 0)
            #expect(counts.ledgerWithoutPayment == 0)
            #expect(counts.webhookAppliedTwice == 0)
            #expect(counts.webhookNotApplied == 0)
            #expect(counts.notificationsDuplicatedWhileBothRan == 0)
            #expect(counts.eventsNotDelivered == 0)
            #expect(counts.processing == 0)
            #expect(counts.keysInFlight == 0)
        } catch {
            await run.cleanUp()
            throw error
        }
        await run.cleanUp()
    }
}

struct MultiInstanceCounts {
    var servedBy: [String: Int] = [:]
    var acknowledged = 0
    var acknowledgedMissing = 0
    var sameKeyRequests = 0
    var sameKeyPayments = 0
    var sameKeyDifferentAnswers = 0
    var ledger = 0
    var pspCallsPerPaymentOverOne = 0
    var ledgerWithoutPayment = 0
    var webhooksSent = 0
    var webhookAppliedTwice = 0
    var webhookNotApplied = 0
    var notificationsDuplicatedWhileBothRan = 0
    var notificationsDuplicatedAfterKill = 0
    var events = 0
    var eventsNotDelivered = 0
    var cutOffByKill = 0
    var processing = 0
    var keysInFlight = 0
    var secondsToSettleAfterKill = 0.0

    var table: String {
        let rows: [(String, String)] = [
            ("payments acknowledged (201), by instance", "\(acknowledged) \(servedBy.sorted { $0.key < $1.key })"),
            ("acknowledged payments missing", "\(acknowledgedMissing)"),
            ("keys sent to both instances at once", "\(sameKeyRequests)"), ("payments those keys made", "\(sameKeyPayments)"),
            ("keys answered with two different payments", "\(sameKeyDifferentAnswers)"),
            ("PSP ledger entries", "\(ledger)"), ("payments with more than one PSP payment", "\(pspCallsPerPaymentOverOne)"),
            ("PSP payments with no Pasarela payment", "\(ledgerWithoutPayment)"),
            ("webhooks delivered to both instances", "\(webhooksSent)"), ("webhooks applied twice", "\(webhookAppliedTwice)"),
            ("webhooks never applied", "\(webhookNotApplied)"),
            ("notifications delivered twice while both ran", "\(notificationsDuplicatedWhileBothRan)"),
            ("notifications delivered again after the kill", "\(notificationsDuplicatedAfterKill)"),
            ("events", "\(events)"), ("events whose notification was not delivered", "\(eventsNotDelivered)"),
            ("requests cut off by the kill (retried at the survivor)", "\(cutOffByKill)"),
            ("seconds until the survivor settled everything", String(format: "%.1f", secondsToSettleAfterKill)),
            ("payments left processing", "\(processing)"), ("idempotency keys in flight", "\(keysInFlight)"),
        ]
        return (["multi-instance test", String(repeating: "-", count: 60)]
                + rows.map { $0.0.padding(toLength: 52, withPad: " ", startingAt: 0) + $0.1 }).joined(separator: "\n")
    }
}

/// One multi-instance run: a database, an emulator process, two gateway processes, a merchant endpoint.
final class MultiInstanceRun: @unchecked Sendable {
    let folder: String
    let database: String
    let receiver = MerchantReceiver(secret: "whsec_pasarela_sandbox_merchant")
    var processes: [PasarelaProcess] = []
    let acknowledged = Mutex<[String: String]>([:])
    /// Requests a kill cut off, retried at the survivor.
    let cutOff = Mutex(0)

    init(requestMs: Int = 2000) async throws {
        folder = NSTemporaryDirectory() + "pasarela-multi-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/adapters", withIntermediateDirectories: true)
        database = try await TestPostgres.createDatabase()
        // Short PSP timeouts and looks keep the run short.
        for file in try FileManager.default.contentsOfDirectory(atPath: Harness.repositoryRoot + "/adapters") where file.hasSuffix(".yaml") {
            var text = try String(contentsOfFile: Harness.repositoryRoot + "/adapters/" + file, encoding: .utf8)
            text = text.replacingOccurrences(of: "connect_ms: 2000", with: "connect_ms: 500")
                .replacingOccurrences(of: "request_ms: 15000", with: "request_ms: \(requestMs)")
                .replacingOccurrences(of: "first_look_after_seconds: 5", with: "first_look_after_seconds: 2")
                .replacingOccurrences(of: "every_seconds: 10", with: "every_seconds: 3")
            try text.write(toFile: "\(folder)/adapters/\(file)", atomically: true, encoding: .utf8)
        }
        try FileManager.default.copyItem(atPath: Harness.repositoryRoot + "/routes.yaml", toPath: folder + "/routes.yaml")
    }

    func cleanUp() async {
        for process in processes { process.stop() }
        await receiver.stop()
        await TestPostgres.dropDatabase(database)
    }

    func gateway(_ sandboxURL: String) async throws -> (PasarelaProcess, String) {
        let process = try PasarelaProcess(["serve", "--port", "0", "--database", database, "--config", folder, "--sandbox-url", sandboxURL,
                                           "--work-lease-seconds", "5"],
                                          folder: folder, environment: ["PASARELA_SANDBOX_NOTIFICATION_URL": receiver.url])
        processes.append(process)
        return (process, try await process.url(after: "Pasarela listening on "))
    }

    /// Clients alternate between the instances until `stop`; one a kill cuts off is retried with its key at `fallback`.
    func load(_ urls: [String], fallback: String? = nil, clients: Int, prefix: String, stop: StopFlag) async {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var sequence = 0
                    while !stop.isSet {
                        let key = "\(prefix)-\(client)-\(sequence)"
                        let url = urls[(client + sequence) % urls.count]
                        sequence += 1
                        await self.create(key, at: url, fallback: fallback)
                    }
                }
            }
        }
    }

    func create(_ key: String, at url: String, fallback: String?) async {
        let answer = try? await CrashRun.post(url + "/v1/payments", CrashRun.body(key), key: key, timeout: 15)
        if let (status, json) = answer, status == 201, let id = json["id"] as? String {
            acknowledged.withLock { $0[id] = url }
            return
        }
        guard let fallback else { return }
        cutOff.withLock { $0 += 1 }
        // As a load balancer would: the same request, with its key, to the instance still up, until it answers for the
        // payment (409 while the dead instance's lease holds the key).
        for _ in 0..<120 {
            if let (status, json) = try? await CrashRun.post(fallback + "/v1/payments", CrashRun.body(key), key: key, timeout: 15),
               status == 201, let id = json["id"] as? String {
                acknowledged.withLock { $0[id] = fallback }
                return
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func run() async throws -> MultiInstanceCounts {
        var counts = MultiInstanceCounts()
        try await receiver.start()
        let sandbox = try PasarelaProcess(["sandbox", "--port", "0", "--config", folder], folder: folder)
        processes.append(sandbox)
        let sandboxURL = try await sandbox.url(after: "Pasarela sandbox listening on ")
        _ = try await CrashRun.post(sandboxURL + "/sandbox/dlocal/settings", Array(#"{"honour_idempotency_key":true}"#.utf8))
        _ = try await CrashRun.post(sandboxURL + "/sandbox/dlocal/faults", Array(#"{"delay_after_ms":30,"times":100}"#.utf8))
        let (first, firstURL) = try await gateway(sandboxURL)
        let (_, secondURL) = try await gateway(sandboxURL)
        let urls = [firstURL, secondURL]

        // 1. Load spread across both.
        let stop = StopFlag()
        let spread = Task { await self.load(urls, clients: 6, prefix: "spread", stop: stop) }
        try await Task.sleep(for: .seconds(2))
        stop.set()
        await spread.value

        // 2. One key sent to both instances at once.
        for index in 0..<20 {
            let key = "both-\(index)"
            async let one = try? CrashRun.post(firstURL + "/v1/payments", CrashRun.body(key), key: key)
            async let two = try? CrashRun.post(secondURL + "/v1/payments", CrashRun.body(key), key: key)
            let answers = [await one, await two].compactMap { $0 }.filter { $0.0 == 201 }.compactMap { $0.1["id"] as? String }
            if Set(answers).count > 1 { counts.sameKeyDifferentAnswers += 1 }
            counts.sameKeyRequests += 1
            for id in answers { acknowledged.withLock { $0[id] = "both" } }
        }

        // 3. One PSP webhook delivered to both instances at once (and once more by the PSP itself, held until then).
        _ = try await CrashRun.post(sandboxURL + "/sandbox/dlocal/webhooks", Array(#"{"hold":true}"#.utf8))
        let ledger = try await CrashRun.get(sandboxURL + "/sandbox/dlocal/payments") as? [[String: Any]] ?? []
        let paid = Array(ledger.filter { $0["status"] as? String == "PENDING" }.prefix(10))
        for entry in paid {
            guard let pspId = entry["id"] as? String else { continue }
            _ = try await CrashRun.post(sandboxURL + "/sandbox/dlocal/payments/\(pspId)/pay", [])
        }
        let after = try await CrashRun.get(sandboxURL + "/sandbox/dlocal/payments") as? [[String: Any]] ?? []
        for entry in after where paid.contains(where: { $0["id"] as? String == entry["id"] as? String }) {
            let body = try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys, .withoutEscapingSlashes])
            async let one = Self.notify(firstURL, Array(body))
            async let two = Self.notify(secondURL, Array(body))
            _ = try await (one, two)
            counts.webhooksSent += 1
        }
        _ = try await CrashRun.post(sandboxURL + "/sandbox/dlocal/webhooks/release", Array(#"{"order":"sent"}"#.utf8))
        try await settleNotifications()
        counts.notificationsDuplicatedWhileBothRan = receiver.duplicates()

        // 4. The first instance killed mid-load; its clients go on at the second.
        let killStop = StopFlag()
        let killLoad = Task { await self.load([firstURL, secondURL], fallback: secondURL, clients: 6, prefix: "kill", stop: killStop) }
        try await Task.sleep(for: .milliseconds(1500))
        first.kill()
        let killedAt = Date()
        try await Task.sleep(for: .milliseconds(500))
        killStop.set()
        await killLoad.value
        counts.cutOffByKill = cutOff.withLock { $0 }

        // The survivor's reconciler and outbox take up the dead instance's payments and notifications after the leases.
        let store = try await openStore()
        for _ in 0..<180 {
            if try await self.isSettled(store) { break }
            try await Task.sleep(for: .seconds(1))
        }
        counts.secondsToSettleAfterKill = Date().timeIntervalSince(killedAt)
        counts.notificationsDuplicatedAfterKill = receiver.duplicates() - counts.notificationsDuplicatedWhileBothRan
        do {
            try await check(&counts, store: store, sandboxURL: sandboxURL, paid: Set(paid.compactMap { $0["id"] as? String }))
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        return counts
    }

    /// One create held at dLocal (processed, its answer 40 s late) in the first instance, which is then killed; the same
    /// key goes to the second instance every half second until it answers the payment.
    func takeOver() async throws -> (seconds: Double, status: String?, before: [Int], ledger: Int) {
        try await receiver.start()
        let sandbox = try PasarelaProcess(["sandbox", "--port", "0", "--config", folder], folder: folder)
        processes.append(sandbox)
        let sandboxURL = try await sandbox.url(after: "Pasarela sandbox listening on ")
        let (first, firstURL) = try await gateway(sandboxURL)
        let (_, secondURL) = try await gateway(sandboxURL)
        _ = try await CrashRun.post(sandboxURL + "/sandbox/dlocal/faults", Array(#"{"delay_after_ms":40000}"#.utf8))
        let key = "takeover-\(UUID().uuidString.prefix(8))"
        let cut = Task { _ = try? await CrashRun.post(firstURL + "/v1/payments", CrashRun.body(key), key: key, timeout: 60) }
        for _ in 0..<200 {
            if (try await CrashRun.get(sandboxURL + "/sandbox/dlocal/payments") as? [[String: Any]] ?? []).count == 1 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        first.kill()
        let killedAt = Date()
        _ = await cut.value
        var before: [Int] = []
        for _ in 0..<240 {
            let (status, json) = try await CrashRun.post(secondURL + "/v1/payments", CrashRun.body(key), key: key, timeout: 15)
            if status == 201 {
                let ledger = (try await CrashRun.get(sandboxURL + "/sandbox/dlocal/payments") as? [[String: Any]] ?? []).count
                return (Date().timeIntervalSince(killedAt), json["status"] as? String, before, ledger)
            }
            before.append(status)
            try await Task.sleep(for: .milliseconds(500))
        }
        return (Date().timeIntervalSince(killedAt), nil, before, -1)
    }

    /// POSTs a dLocal notification, signed as dLocal signs it with the sandbox credentials.
    static func notify(_ url: String, _ body: [UInt8]) async throws {
        let date = Timestamps.utcMillis(Date())
        let login = "sbx_login_pasarela"
        var request = HTTPClientRequest(url: url + "/webhooks/dlocal")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Date", value: date)
        request.headers.add(name: "X-Login", value: login)
        request.headers.add(name: "Authorization", value: DLocalSignature.authorization(login: login, date: date, body: body,
                                                                                       secretKey: "sbx_secret_key_pasarela"))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        _ = try await response.body.collect(upTo: 1 << 16)
    }

    func openStore() async throws -> PostgresStore {
        guard case .postgres(let location) = try DatabaseLocation.parse(database) else { throw TestPostgresMissing() }
        return try await PostgresStore(location, poolSize: 4)
    }

    /// Waits until every event's notification is delivered.
    func settleNotifications() async throws {
        let store = try await openStore()
        for _ in 0..<60 {
            if try await undelivered(store) == 0 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        await store.close()
    }

    func allPayments(_ store: PostgresStore) async throws -> [StoredPayment] {
        var all: [StoredPayment] = [], after: String?
        repeat {
            let page = try await store.payments(merchantId: "merchant_sandbox", orderId: nil, status: nil, startingAfter: after, limit: 500)
            all += page
            after = page.count == 500 ? page.last?.payment.id : nil
        } while after != nil
        return all
    }

    func undelivered(_ store: PostgresStore) async throws -> Int {
        var count = 0, after: String?
        while true {
            let page = try await store.events(merchantId: "merchant_sandbox", paymentId: nil, after: after, limit: 500)
            for event in page {
                if try await store.event(id: event.id, merchantId: "merchant_sandbox")?.1?.state != "delivered" { count += 1 }
            }
            guard page.count == 500, let last = page.last else { return count }
            after = last.id
        }
    }

    func isSettled(_ store: PostgresStore) async throws -> Bool {
        guard try await allPayments(store).allSatisfy({ $0.payment.status != .processing }) else { return false }
        guard try await store.keysInFlight().isEmpty else { return false }
        return try await undelivered(store) == 0
    }

    func check(_ counts: inout MultiInstanceCounts, store: PostgresStore, sandboxURL: String, paid: Set<String>) async throws {
        let all = try await allPayments(store)
        let byId = Dictionary(uniqueKeysWithValues: all.map { ($0.payment.id, $0) })
        let known = acknowledged.withLock { $0 }
        counts.acknowledged = known.count
        for url in known.values { counts.servedBy[url, default: 0] += 1 }
        counts.acknowledgedMissing = Set(known.keys).subtracting(byId.keys).count
        counts.sameKeyPayments = all.filter { $0.payment.request.orderId.hasPrefix("both-") }.count
        counts.processing = all.filter { $0.payment.status == .processing }.count
        counts.keysInFlight = try await store.keysInFlight().count

        let ledger = try await CrashRun.get(sandboxURL + "/sandbox/dlocal/payments") as? [[String: Any]] ?? []
        counts.ledger = ledger.count
        var pspPayments: [String: Int] = [:]
        for entry in ledger {
            guard let owner = try await store.attempt(connection: "dlocal", pspPaymentId: entry["id"] as? String ?? "",
                                                      reference: entry["order_id"] as? String) else {
                counts.ledgerWithoutPayment += 1
                continue
            }
            pspPayments[owner.paymentId, default: 0] += 1
        }
        counts.pspCallsPerPaymentOverOne = pspPayments.values.filter { $0 > 1 }.count

        for stored in all where paid.contains(stored.payment.pspPaymentId ?? "") {
            let events = try await store.events(merchantId: "merchant_sandbox", paymentId: stored.payment.id, after: nil, limit: 20)
            let succeeded = events.filter { $0.type == "payment.succeeded" }.count
            if succeeded > 1 { counts.webhookAppliedTwice += 1 }
            if succeeded == 0 || stored.payment.status != .succeeded { counts.webhookNotApplied += 1 }
        }
        var after: String?
        while true {
            let page = try await store.events(merchantId: "merchant_sandbox", paymentId: nil, after: after, limit: 500)
            counts.events += page.count
            guard page.count == 500, let last = page.last else { break }
            after = last.id
        }
        counts.eventsNotDelivered = try await undelivered(store)
    }
}

extension MerchantReceiver {
    /// Events whose notification arrived more than once so far.
    func duplicates() -> Int {
        var seen: [String: Int] = [:]
        for item in received.withLock({ $0 }) { seen[item.eventId, default: 0] += 1 }
        return seen.values.filter { $0 > 1 }.count
    }
}
