import Foundation
import PasarelaCore
import PasarelaStore
import PasarelaTestSupport
import Testing

/// The stores the contract runs against: SQLite always, PostgreSQL when a server is given.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static var available: [StoreKind] { TestPostgres.runs ? allCases : [.sqlite] }
    var testDescription: String { rawValue }
}

/// One test's database: opened (and reopened) as often as the test wants, closed and dropped at the end.
final class StoreHandle: @unchecked Sendable {
    let kind: StoreKind
    let location: String
    private var opened: [PostgresStore] = []

    private init(kind: StoreKind, location: String) {
        self.kind = kind
        self.location = location
    }

    static func make(_ kind: StoreKind) async throws -> StoreHandle {
        switch kind {
        case .sqlite: StoreHandle(kind: kind, location: NSTemporaryDirectory() + "pasarela-store-\(UUID().uuidString)/test.sqlite")
        case .postgres: StoreHandle(kind: kind, location: try await TestPostgres.createDatabase())
        }
    }

    func open() async throws -> any PaymentStore {
        switch try DatabaseLocation.parse(location) {
        case .sqlite(let path): return try SQLiteStore(path: path)
        case .postgres(let postgres):
            let store = try await PostgresStore(postgres, poolSize: 8)
            opened.append(store)
            return store
        }
    }

    func finish() async {
        for store in opened { await store.close() }
        if kind == .postgres { await TestPostgres.dropDatabase(location) }
    }

    /// Runs `body` with a fresh store of `kind`, always cleaning up.
    static func with(_ kind: StoreKind, _ body: (StoreHandle, any PaymentStore) async throws -> Void) async throws {
        let handle = try await make(kind)
        do {
            try await body(handle, try await handle.open())
        } catch {
            await handle.finish()
            throw error
        }
        await handle.finish()
    }
}

/// Payments, attempts and writes for store tests. Times are whole milliseconds, which both stores keep exactly.
enum Fixtures {
    static let pen = Currency(code: "PEN")!

    static func now() -> Date { Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000) }

    static func payment(_ id: String = Identifier.make("pay"), merchant: String = "m1", order: String = "o-1", at time: Date = now()) -> Payment {
        let request = PaymentRequest(amount: Money(minorUnits: 15000, currency: pen), country: "PE", method: .cash(network: nil), orderId: order,
                                     customer: Customer(name: "Ana", email: "ana@example.com", document: Document(type: "DNI", number: "12345678")),
                                     metadata: ["k": "v"])
        return Payment(id: id, merchantId: merchant, livemode: false, status: .processing, request: request,
                       expiresAt: time.addingTimeInterval(86400), rule: "peru-cash", configVersion: "cfg_1",
                       createdAt: time, updatedAt: time)
    }

    static func attempt(for payment: Payment, psp: String? = "D-4-1") -> Attempt {
        Attempt(id: Identifier.make("att"), paymentId: payment.id, sequence: 1, connection: "dlocal", pspPaymentId: psp,
                outcome: .pending, pspStatus: "PENDING", rule: "peru-cash", configVersion: "cfg_1", startedAt: now(), durationMs: 12)
    }

    static func event(_ id: String, url: String? = "https://m.example/h") -> NewEvent {
        NewEvent(id: id, type: .requiresAction, createdAt: now(), body: Array("{\"id\":\"\(id)\"}".utf8), notificationURL: url)
    }

    static func inbox(_ key: String, payment: String?, result: String = "applied") -> InboxEntry {
        InboxEntry(connection: "dlocal", dedupeKey: key, pspPaymentId: "D-4-1", paymentId: payment, pspStatus: "PAID", result: result,
                   reason: nil, body: Array("{}".utf8), receivedAt: now())
    }

    /// Writes `change` over `stored` read at its version.
    @discardableResult
    static func write(_ store: any PaymentStore, _ stored: Payment, attempts: [Attempt] = [], events: [NewEvent] = [], inbox: InboxEntry? = nil,
                      reply: IdempotencyReply? = nil, refunds: [Refund] = [], ceiling: Int64? = nil,
                      _ change: (inout Payment) -> Void = { _ in }) async throws -> CommitResult {
        var next = stored
        change(&next)
        var write = PaymentWrite(payment: next, expectedVersion: stored.version, attempts: attempts, events: events, inbox: inbox, reply: reply)
        write.refunds = refunds
        write.refundCeiling = ceiling
        return try await store.commit(write)
    }
}
