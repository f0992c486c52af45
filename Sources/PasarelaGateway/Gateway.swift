import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import PasarelaStore

/// The wiring of one running gateway: the use cases and the shared parts they are built from. It holds no logic of its
/// own; each use case takes only the store roles and parts it needs.
public final class Gateway: Sendable {
    /// The store, for the server's health check and the tools that share the gateway's database.
    public let store: any PaymentStore
    public let logger: Logger
    public let now: @Sendable () -> Date

    /// The config, public URL and listen address in force.
    public let live: LiveConfigs
    /// Every call to a PSP goes through it: in-flight limits, tokens, metrics, alerts, transcripts, breakers.
    public let psp: PSPClient
    /// Merchants and their keys.
    public let merchants: MerchantBook
    /// The one writer of payment state.
    public let writer: PaymentWriter
    public let planner: RoutePlanner
    public let rateLimits: RateLimits
    /// Per-connection counts since start (refused webhooks, reconciler actions).
    public let counters = ConnectionCounters()
    /// Wakes the outbox dispatcher after events are committed.
    public let outbox = OutboxSignal()
    /// Repeated webhook events, counted in memory and written once a second (run it as a service).
    public let duplicates: DuplicateCounter
    /// Alerts on merchants whose setup Pasarela refuses (a notification URL the outbound policy will not call).
    public let merchantAlerts = ConnectionAlerts(subject: .merchant)
    /// How long the reconciler and the outbox dispatcher hold the work they claim.
    public let workLease: TimeInterval
    /// How long a request holds its payment and key, renewed while it runs.
    public var requestLease: RequestLease { leases.lease }
    let leases: RequestLeases

    let createPayment: CreatePayment
    let ingestWebhook: IngestWebhook
    let cancelPayment: CancelPayment
    let capturePayment: CapturePayment
    let refundPayment: RefundPayment
    public let reconciler: Reconciler
    public let settlement: SettlementCheck
    public let doctor: Doctor
    public let reads: PaymentReads
    public let connections: ConnectionStatus

    public init(snapshot: ConfigSnapshot, store: any PaymentStore, merchants: MerchantDirectory, publicBaseURL: String,
                executor: HTTPExecutor = HTTPExecutor(), logger: Logger = Logger(label: "pasarela"),
                now: @escaping @Sendable () -> Date = Date.init, workLease: TimeInterval = 60, requestLease: RequestLease = RequestLease(),
                sandbox: Bool = true, replies: any ReplyRendering = HTTPMapping.replies, duplicateFlush: Duration = .seconds(1)) {
        self.store = store
        self.logger = logger
        self.now = now
        self.workLease = workLease
        live = LiveConfigs(snapshot: snapshot, publicBaseURL: publicBaseURL, sandbox: sandbox)
        psp = PSPClient(executor: executor, callLog: store, logger: logger, now: now)
        self.merchants = MerchantBook(directory: merchants, store: store, now: now)
        duplicates = DuplicateCounter(inbox: store, interval: duplicateFlush, logger: logger)
        writer = PaymentWriter(ledger: store, merchants: self.merchants, live: live, outbox: outbox, duplicates: duplicates, logger: logger, now: now)
        planner = RoutePlanner(live: live, breakers: psp.breakers, now: now)
        rateLimits = RateLimits(live: live, now: now)
        leases = RequestLeases(lease: requestLease, keys: store, logger: logger, now: now)
        let keys = CommandKeys(keys: store, leases: leases, replies: replies)
        reconciler = Reconciler(queue: store, writer: writer, psp: psp, live: live, counters: counters, workLease: workLease, now: now)
        createPayment = CreatePayment(ledger: store, writer: writer, psp: psp, planner: planner, live: live, leases: leases, replies: replies,
                                      abandoned: reconciler, logger: logger, now: now)
        ingestWebhook = IngestWebhook(inbox: store, writer: writer, live: live, alerts: psp.alerts, counters: counters, duplicates: duplicates,
                                      logger: logger, now: now)
        cancelPayment = CancelPayment(payments: store, writer: writer, psp: psp, live: live, keys: keys, logger: logger)
        capturePayment = CapturePayment(payments: store, writer: writer, psp: psp, live: live, keys: keys, logger: logger, now: now)
        refundPayment = RefundPayment(payments: store, writer: writer, psp: psp, live: live, keys: keys, logger: logger, now: now)
        settlement = SettlementCheck(books: store, live: live, now: now)
        doctor = Doctor(live: live, psp: psp)
        reads = PaymentReads(store: store, outbox: outbox, now: now)
        connections = ConnectionStatus(inbox: store, live: live, psp: psp, counters: counters, duplicates: duplicates)
    }

    /// The config in force now.
    public var config: LiveConfig { live.current }

    public func create(_ command: CreatePaymentCommand) async throws -> CommandAnswer<StoredPayment> { try await createPayment.run(command) }
    public func cancel(_ command: CancelPaymentCommand) async throws -> CommandAnswer<CancelOutcome> { try await cancelPayment.run(command) }
    public func capture(_ command: CapturePaymentCommand) async throws -> CommandAnswer<StoredPayment> { try await capturePayment.run(command) }
    public func refund(_ command: RefundPaymentCommand) async throws -> CommandAnswer<Refund> { try await refundPayment.run(command) }
    public func receive(_ delivery: WebhookDelivery) async throws -> [WebhookOutcome] { try await ingestWebhook.receive(delivery) }

    /// Validates and installs the config in `directory`; on any problem the config in force stays.
    /// - Parameter adjust: applied to the new snapshot before it is installed (sandbox mode points connections at emulators).
    /// - Returns: the installed version, or the problems.
    @discardableResult
    public func reload(from directory: String, env: [String: String], adjust: (inout ConfigSnapshot) -> Void = { _ in })
        -> Result<String, ConfigError> {
        do {
            var snapshot = try ConfigSnapshot.load(directory: directory, env: env)
            adjust(&snapshot)
            let previous = live.current.snapshot.version
            live.install(snapshot)
            logger.info("config reloaded", metadata: ["from": .string(previous), "to": .string(snapshot.version)])
            return .success(snapshot.version)
        } catch {
            logger.error("config refused; the previous config stays live", metadata: [
                "version": .string(live.current.snapshot.version), "problems": .string(error.description),
            ])
            return .failure(error)
        }
    }
}
