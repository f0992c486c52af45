import AsyncHTTPClient
import Foundation
import NIOCore
import PasarelaCore
import PasarelaStore
import Synchronization
import Testing

/// The gateway killed with SIGKILL mid-load, several times, with the PSP emulators in a process of their own; then
/// `pasarela reconcile --once` while dLocal fails every call (nothing it may hold is ended), and once more when dLocal
/// answers again. Nothing acknowledged is lost, every payment a PSP holds belongs to exactly one Pasarela payment in the
/// matching status, nothing is charged twice, and after that one pass nothing is left processing or in flight.
/// `scripts/crash-test` runs the same at a larger size (environment variables below).
@Suite(.serialized) struct CrashTests {
    struct Size {
        var clients = 4
        var kills = 2
        var secondsBetweenKills = 1.0
        /// dLocal answers this late, so kills land while attempts are in flight.
        var pspDelayMs = 40

        static func fromEnvironment() -> Size {
            let env = ProcessInfo.processInfo.environment
            var size = Size()
            if let value = env["PASARELA_CRASH_CLIENTS"].flatMap(Int.init) { size.clients = value }
            if let value = env["PASARELA_CRASH_KILLS"].flatMap(Int.init) { size.kills = value }
            if let value = env["PASARELA_CRASH_SECONDS"].flatMap(Double.init) { size.secondsBetweenKills = value }
            if let value = env["PASARELA_CRASH_PSP_DELAY_MS"].flatMap(Int.init) { size.pspDelayMs = value }
            return size
        }
    }

    @Test func killedGatewaysLoseNothingChargeOnceAndLeaveNothingOpen() async throws {
        let size = Size.fromEnvironment()
        let run = try CrashRun(size: size)
        defer { run.cleanUp() }
        let counts = try await run.run()
        print(counts.table)
        #expect(counts.acknowledged > 0)
        #expect(counts.acknowledgedMissing == 0)
        #expect(counts.ledgerWithoutPayment == 0)
        #expect(counts.ledgerStatusMismatch == 0)
        #expect(counts.chargedTwice == 0)
        #expect(counts.processing == 0)
        #expect(counts.failedWhilePSPDown == 0, "a payment dLocal may hold is never ended while dLocal cannot be asked")
        #expect(counts.keysInFlight == 0)
        #expect(counts.retriesNotReplayed == 0)
    }
}

/// What a crash run found.
struct CrashCounts {
    var kills = 0
    var acknowledged = 0
    var unanswered = 0
    var payments = 0
    var ledger = 0
    var acknowledgedMissing = 0
    var ledgerWithoutPayment = 0
    var ledgerStatusMismatch = 0
    var chargedTwice = 0
    var processing = 0
    var keysInFlight = 0
    var retriesNotReplayed = 0
    var reconciled = 0
    var processingAfterKills = 0
    var processingWhilePSPDown = 0
    var failedWhilePSPDown = 0

    var table: String {
        let rows: [(String, Int)] = [
            ("gateway kills (SIGKILL)", kills), ("payments acknowledged (201)", acknowledged),
            ("requests left unanswered by a kill", unanswered), ("payments stored", payments), ("PSP ledger entries", ledger),
            ("payments processing after the kills", processingAfterKills),
            ("still processing after a pass with dLocal down", processingWhilePSPDown),
            ("payments ended failed by that pass", failedWhilePSPDown),
            ("payments settled by reconcile --once", reconciled),
            ("acknowledged payments missing", acknowledgedMissing), ("ledger entries with no payment", ledgerWithoutPayment),
            ("ledger entries in another status", ledgerStatusMismatch), ("payments charged twice", chargedTwice),
            ("payments left processing", processing), ("idempotency keys in flight", keysInFlight),
            ("unanswered keys not replayed on retry", retriesNotReplayed),
        ]
        return (["crash test", String(repeating: "-", count: 50)] + rows.map { $0.0.padding(toLength: 50, withPad: " ", startingAt: 0) + String($0.1) })
            .joined(separator: "\n")
    }
}

/// One crash run: sandbox process, gateway processes killed one after another, clients creating payments.
final class CrashRun: @unchecked Sendable {
    let size: CrashTests.Size
    let folder: String
    let database: String
    let acknowledged = Mutex<Set<String>>([])
    let unanswered = Mutex<Set<String>>([])
    var sandbox: PasarelaProcess?

    init(size: CrashTests.Size) throws {
        self.size = size
        folder = NSTemporaryDirectory() + "pasarela-crash-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        database = folder + "/pasarela.sqlite"
    }

    func cleanUp() { sandbox?.stop() }

    static let key = "sk_test_pasarela_sandbox_0000000000000000"

    static func body(_ order: String) -> [UInt8] {
        Array("""
            {"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"},"order_id":"\(order)",
             "customer":{"name":"Pedro Gomez","email":"pedro@example.com","document":{"type":"DNI","number":"27662162"}}}
            """.utf8)
    }

    static func post(_ url: String, _ body: [UInt8], key: String? = nil, timeout: Int64 = 10) async throws -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Self.key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(buffer: bytes))) as? [String: Any] ?? [:])
    }

    static func get(_ url: String) async throws -> Any {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        return try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 26)))
    }

    func gateway(_ sandboxURL: String) async throws -> (PasarelaProcess, String) {
        let process = try PasarelaProcess(["serve", "--port", "0", "--database", database, "--config", Harness.repositoryRoot,
                                           "--sandbox-url", sandboxURL], folder: folder)
        return (process, try await process.url(after: "Pasarela listening on "))
    }

    /// Clients create payments until `stop`; a request a kill leaves unanswered keeps its key for a later retry.
    func load(_ url: String, round: Int, stop: StopFlag) async {
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<size.clients {
                group.addTask {
                    var sequence = 0
                    while !stop.isSet {
                        let key = "crash-\(round)-\(client)-\(sequence)"
                        sequence += 1
                        do {
                            let (status, json) = try await Self.post(url + "/v1/payments", Self.body(key), key: key)
                            if status == 201, let id = json["id"] as? String {
                                _ = self.acknowledged.withLock { $0.insert(id) }
                            } else {
                                _ = self.unanswered.withLock { $0.insert(key) }
                            }
                        } catch {
                            _ = self.unanswered.withLock { $0.insert(key) }
                            try? await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
        }
    }

    func run() async throws -> CrashCounts {
        var counts = CrashCounts()
        let sandbox = try PasarelaProcess(["sandbox", "--port", "0", "--config", Harness.repositoryRoot], folder: folder)
        self.sandbox = sandbox
        let sandboxURL = try await sandbox.url(after: "Pasarela sandbox listening on ")
        // dLocal as documented today: a replayed order id is refused (5009); a payment whose answer a kill lost is found
        // by its order id.
        for round in 0..<size.kills {
            _ = try await Self.post(sandboxURL + "/sandbox/dlocal/faults", Array(#"{"delay_after_ms":\#(size.pspDelayMs),"times":100}"#.utf8))
            let (gateway, url) = try await self.gateway(sandboxURL)
            let stop = StopFlag()
            let clients = Task { await self.load(url, round: round, stop: stop) }
            try await Task.sleep(for: .seconds(size.secondsBetweenKills))
            gateway.kill()
            counts.kills += 1
            stop.set()
            await clients.value
        }
        // dLocal down: a pass learns nothing from it and ends nothing it may hold.
        _ = try await Self.post(sandboxURL + "/sandbox/dlocal/faults", Array(#"{"rate_percent":100}"#.utf8))
        let before = Dictionary(uniqueKeysWithValues: try await storedPayments().map { ($0.payment.id, $0.payment.status) })
        counts.processingAfterKills = before.values.filter { $0 == .processing }.count
        let down = try PasarelaProcess(["reconcile", "--once", "--database", database, "--config", Harness.repositoryRoot,
                                        "--sandbox-url", sandboxURL], folder: folder)
        _ = down.finish()
        let during = try await storedPayments()
        counts.processingWhilePSPDown = during.filter { $0.payment.status == .processing }.count
        let held = Dictionary((try await Self.get(sandboxURL + "/sandbox/dlocal/payments") as? [[String: Any]] ?? [])
            .map { ($0["order_id"] as? String ?? "", $0["status"] as? String ?? "") }, uniquingKeysWith: { first, _ in first })
        counts.failedWhilePSPDown = during.filter { stored in
            before[stored.payment.id] == .processing && stored.payment.status == .failed
                && stored.attempts.contains { ["PENDING", "PAID"].contains(held[$0.id] ?? "") }
        }.count
        // dLocal answers again: one pass settles every payment.
        _ = try await Self.post(sandboxURL + "/sandbox/dlocal/faults", Array(#"{"rate_percent":0}"#.utf8))
        let reconcile = try PasarelaProcess(["reconcile", "--once", "--database", database, "--config", Harness.repositoryRoot,
                                             "--sandbox-url", sandboxURL], folder: folder)
        let (status, output) = reconcile.finish()
        #expect(status == 0, "reconcile --once: \(output.suffix(2000))")
        counts.reconciled = output.split(separator: "\n").filter { $0.contains("  now ") }.count

        // A last gateway answers the keys the kills left unanswered: each replays the payment, never 409.
        let (gateway, url) = try await self.gateway(sandboxURL)
        defer { gateway.stop() }
        let keys = unanswered.withLock { $0 }
        counts.unanswered = keys.count
        for key in keys {
            let (first, json) = try await Self.post(url + "/v1/payments", Self.body(key), key: key)
            let (second, again) = try await Self.post(url + "/v1/payments", Self.body(key), key: key)
            let replayed = first == 201 && second == 201 && (json["id"] as? String) == (again["id"] as? String)
            // A key whose request never reached the store is free: its retry creates the payment now, and that is fine.
            if !replayed { counts.retriesNotReplayed += 1 }
        }
        try await check(&counts, sandboxURL: sandboxURL)
        return counts
    }

    /// Every payment in the database, read while no gateway writes it.
    func storedPayments() async throws -> [StoredPayment] {
        let store = try SQLiteStore(path: database)
        var all: [StoredPayment] = [], after: String?
        repeat {
            let page = try await store.payments(merchantId: "merchant_sandbox", orderId: nil, status: nil, startingAfter: after, limit: 500)
            all += page
            after = page.count == 500 ? page.last?.payment.id : nil
        } while after != nil
        return all
    }

    func check(_ counts: inout CrashCounts, sandboxURL: String) async throws {
        let store = try SQLiteStore(path: database)
        let all = try await storedPayments()
        counts.payments = all.count
        let ids = Set(all.map(\.payment.id))
        let known = acknowledged.withLock { $0 }
        counts.acknowledged = known.count
        counts.acknowledgedMissing = known.subtracting(ids).count
        counts.processing = all.filter { $0.payment.status == .processing }.count
        counts.keysInFlight = try await store.keysInFlight().count

        let dlocal = try await Self.get(sandboxURL + "/sandbox/dlocal/payments") as? [[String: Any]] ?? []
        let cips = try await Self.get(sandboxURL + "/sandbox/pagoefectivo/payments") as? [[String: Any]] ?? []
        let entries: [(String, String, String, String)] = dlocal.map { ("dlocal", $0["id"] as? String ?? "", $0["order_id"] as? String ?? "", $0["status"] as? String ?? "") }
            + cips.map { ("pagoefectivo", "\($0["cip"] ?? "")", $0["transactionCode"] as? String ?? "", $0["status"] as? String ?? "") }
        counts.ledger = entries.count
        let expected: [String: Set<PaymentStatus>] = ["PENDING": [.requiresAction], "PAID": [.succeeded], "REJECTED": [.failed],
                                                      "CANCELLED": [.canceled, .expired], "DELETED": [.canceled, .expired], "EXPIRED": [.expired]]
        var live: [String: Int] = [:]
        for (connection, pspId, reference, status) in entries {
            guard let owner = try await store.attempt(connection: connection, pspPaymentId: pspId, reference: reference),
                  let payment = all.first(where: { $0.payment.id == owner.paymentId })?.payment else {
                counts.ledgerWithoutPayment += 1
                continue
            }
            if !(expected[status]?.contains(payment.status) ?? false) || payment.pspPaymentId != pspId {
                counts.ledgerStatusMismatch += 1
                print("mismatch: \(connection) \(pspId) \(status) ↔ \(payment.id) \(payment.status.rawValue) \(payment.pspPaymentId ?? "-")")
            }
            if status == "PENDING" || status == "PAID" { live[payment.id, default: 0] += 1 }
        }
        counts.chargedTwice = live.values.filter { $0 > 1 }.count
    }
}

/// Tells the clients to stop.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
