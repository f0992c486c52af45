import Foundation
import Hummingbird
import Logging
@testable import PasarelaGateway
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import PasarelaSandbox
import PasarelaStore
import ServiceLifecycle
import Synchronization

/// The parts the use cases are built from, real ones: a SQLite file of its own, the repository's config, and the
/// dLocal and Checkout emulators listening on loopback (free ports), with a clock the test moves. No HTTP server of the
/// gateway's: each test builds the use case it tests from the narrow parts it takes.
final class World: Sendable {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let merchant = Merchant(id: "merchant_test", livemode: false, webhookSecret: "whsec_test")

    let folder: String
    let store: SQLiteStore
    let clock = TestClock()
    let dlocal: DLocalEmulator
    let checkout: CheckoutEmulator
    let live: LiveConfigs
    let psp: PSPClient
    let merchants: MerchantBook
    let writer: PaymentWriter
    let outbox = OutboxSignal()
    let counters = ConnectionCounters()
    let duplicates: DuplicateCounter
    let leases: RequestLeases
    let keys: CommandKeys
    let logger: Logger
    private let servers: [(ServiceGroup, Task<Void, any Error>)]

    /// Runs `body` in a new world and takes it down after, whatever `body` does.
    static func with(_ body: (World) async throws -> Void) async throws {
        let world = try await World()
        do {
            try await body(world)
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    private init() async throws {
        folder = NSTemporaryDirectory() + "pasarela-usecases-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder + "/p.sqlite")
        var logger = Logger(label: "pasarela.usecases")
        logger.logLevel = .warning
        self.logger = logger
        let now: @Sendable () -> Date = { [clock] in clock.now() }
        dlocal = DLocalEmulator(now: now)
        checkout = CheckoutEmulator(now: now)
        var servers: [(ServiceGroup, Task<Void, any Error>)] = []
        // (the webhook receiver joins them once the use cases it feeds are built)
        var urls: [String: String] = [:]
        for (name, emulator) in [("dlocal", dlocal as any SandboxEmulator), ("checkout", checkout as any SandboxEmulator)] {
            let (port, group, run) = try await Self.serve(emulator, name: name, logger: logger)
            servers.append((group, run))
            urls[name] = "http://127.0.0.1:\(port)"
        }
        var snapshot = try ConfigSnapshot.load(directory: Self.repositoryRoot, env: [:])
        for (name, url) in urls { snapshot.connections[name]?.baseURL = url }
        live = LiveConfigs(snapshot: snapshot, publicBaseURL: "http://127.0.0.1:1", sandbox: true)
        psp = PSPClient(executor: HTTPExecutor(), callLog: store, logger: logger, now: now)
        var directory = MerchantDirectory()
        directory.add(key: "sk_test_usecases_0123456789", merchant: Self.merchant)
        merchants = MerchantBook(directory: directory, store: store, now: now)
        duplicates = DuplicateCounter(inbox: store, logger: logger)
        writer = PaymentWriter(ledger: store, merchants: merchants, live: live, outbox: outbox, duplicates: duplicates, logger: logger, now: now)
        leases = RequestLeases(lease: RequestLease(duration: 15, renewEvery: nil), keys: store, logger: logger, now: now)
        keys = CommandKeys(keys: store, leases: leases, replies: HTTPMapping.replies)
        // The PSPs' webhooks (dLocal notifies a cancel before it answers it) go to the webhook use case, over loopback.
        let hooks = try await Self.serveWebhooks(IngestWebhook(inbox: store, writer: writer, live: live, alerts: psp.alerts, counters: counters,
                                                               duplicates: duplicates, logger: logger, now: now), logger: logger)
        servers.append((hooks.1, hooks.2))
        self.servers = servers
        live.setPublicBaseURL("http://127.0.0.1:\(hooks.0)")
    }

    /// `POST /webhooks/{connection}` into `ingest`, as the server routes it; answers 200 once the events are written.
    static func serveWebhooks(_ ingest: IngestWebhook, logger: Logger) async throws -> (Int, ServiceGroup, Task<Void, any Error>) {
        let router = Router()
        router.post("/webhooks/:connection") { request, context -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let message = InboundMessage(status: 0, headers: request.headers.map { ($0.name.rawName, $0.value) }, body: body)
            do {
                _ = try await ingest.receive(WebhookDelivery(connection: context.parameters.get("connection") ?? "", message: message, peer: "127.0.0.1"))
                return Response(status: .ok)
            } catch is WebhookRefusal {
                return Response(status: .unauthorized)
            }
        }
        return try await launch(logger: logger) { onRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                        onServerRunning: { await onRunning($0.localAddress?.port ?? 0) }, logger: logger)
        }
    }

    func stop() async {
        for (group, run) in servers {
            await group.triggerGracefulShutdown()
            _ = await run.result
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    static func serve(_ emulator: any SandboxEmulator, name: String, logger: Logger) async throws -> (Int, ServiceGroup, Task<Void, any Error>) {
        try await launch(logger: logger) { onRunning in
            SandboxServer.application(emulator: emulator, name: name, host: "127.0.0.1", port: 0, onRunning: onRunning)
        }
    }

    /// Runs an application until the world stops, once it listens.
    static func launch<App: ApplicationProtocol>(logger: Logger, make: (@escaping @Sendable (Int) async -> Void) -> App) async throws
        -> (Int, ServiceGroup, Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in
            continuation.yield(port)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let run = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return (port, group, run)
    }

    // The use cases, each from the parts it takes.

    var reconciler: Reconciler {
        Reconciler(queue: store, writer: writer, psp: psp, live: live, counters: counters, workLease: 60, now: clock.now)
    }

    var create: CreatePayment {
        CreatePayment(ledger: store, writer: writer, psp: psp, planner: RoutePlanner(live: live, breakers: psp.breakers, now: clock.now),
                      live: live, leases: leases, replies: HTTPMapping.replies, abandoned: reconciler, logger: logger, now: clock.now)
    }

    var cancel: CancelPayment { CancelPayment(payments: store, writer: writer, psp: psp, live: live, keys: keys, logger: logger) }

    var capture: CapturePayment {
        CapturePayment(payments: store, writer: writer, psp: psp, live: live, keys: keys, logger: logger, now: clock.now)
    }

    var refund: RefundPayment { RefundPayment(payments: store, writer: writer, psp: psp, live: live, keys: keys, logger: logger, now: clock.now) }

    var ingest: IngestWebhook {
        IngestWebhook(inbox: store, writer: writer, live: live, alerts: psp.alerts, counters: counters, duplicates: duplicates, logger: logger,
                      now: clock.now)
    }

    // Requests.

    static func cash(order: String = "order-\(UUID().uuidString.prefix(8))", value: Int64 = 15000) -> PaymentRequest {
        PaymentRequest(amount: Money(minorUnits: value, currency: Currency(code: "PEN")!), country: "PE", method: .cash(network: nil),
                       orderId: order, customer: Customer(name: "Pedro Gomez", email: "pedro@example.com",
                                                          document: Document(type: "DNI", number: "27662162")),
                       description: "Pedido")
    }

    static func card(value: Int64 = 8000) -> PaymentRequest {
        var request = cash(value: value)
        request.method = .card(token: "tok_4gzeau5o2uqubbk6fufs3m7p54")
        request.capture = .manual
        return request
    }

    static func key(_ key: String, _ fingerprint: String = "f1") -> IdempotencyKey { IdempotencyKey(key: key, fingerprint: fingerprint) }

    /// The payment a create made, or the test fails.
    func created(_ request: PaymentRequest, key: IdempotencyKey? = nil) async throws -> StoredPayment {
        guard case .done(let stored) = try await create.run(CreatePaymentCommand(request: request, merchant: Self.merchant, idempotency: key)) else {
            throw WorldError.replayed
        }
        return stored
    }
}

enum WorldError: Error { case replayed }

/// The use cases' clock: real time plus an offset the test moves.
final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
