import Foundation
import PasarelaCore
import PasarelaStore
import Testing

/// Against a real SQLite file in a temporary folder: the store's promises (durability, compare-and-set, unique inbox,
/// idempotency keys, schedules, notifications). What a fact does to a payment is the machine's, tested in Core.
@Suite struct SQLiteStoreTests {
    let path = NSTemporaryDirectory() + "pasarela-store-\(UUID().uuidString)/test.sqlite"
    let pen = Currency(code: "PEN")!

    func payment(_ id: String = Identifier.make("pay"), merchant: String = "m1", order: String = "o-1", at time: Date = Date()) -> Payment {
        let request = PaymentRequest(amount: Money(minorUnits: 15000, currency: pen), country: "PE", method: .cash(network: nil), orderId: order,
                                     customer: Customer(name: "Ana", email: "ana@example.com", document: Document(type: "DNI", number: "12345678")),
                                     metadata: ["k": "v"])
        return Payment(id: id, merchantId: merchant, livemode: false, status: .processing, request: request,
                       expiresAt: time.addingTimeInterval(86400), rule: "peru-cash", configVersion: "cfg_1",
                       createdAt: time, updatedAt: time)
    }

    func attempt(for payment: Payment, psp: String? = "D-4-1") -> Attempt {
        Attempt(id: Identifier.make("att"), paymentId: payment.id, sequence: 1, connection: "dlocal", pspPaymentId: psp,
                outcome: .pending, pspStatus: "PENDING", rule: "peru-cash", configVersion: "cfg_1", startedAt: Date(), durationMs: 12)
    }

    /// Writes `change` over `stored` read at its version.
    @discardableResult
    func write(_ store: SQLiteStore, _ stored: Payment, attempts: [Attempt] = [], events: [NewEvent] = [], inbox: InboxEntry? = nil,
               reply: IdempotencyReply? = nil, _ change: (inout Payment) -> Void = { _ in }) async throws -> CommitResult {
        var next = stored
        change(&next)
        return try await store.commit(PaymentWrite(payment: next, expectedVersion: stored.version, attempts: attempts, events: events,
                                                   inbox: inbox, reply: reply))
    }

    @Test func paymentsAndAttemptsSurviveReopening() async throws {
        let created = payment()
        let voucher = NextAction.displayVoucher(code: "12345678", barcode: nil, voucherURL: "https://v", expiresAt: Date(timeIntervalSince1970: 1_800_000_000))
        do {
            let store = try SQLiteStore(path: path)
            #expect(try await store.create(created, idempotency: nil) == .created)
            #expect(try await write(store, created, attempts: [attempt(for: created)]) { payment in
                payment.status = .requiresAction
                payment.connection = "dlocal"
                payment.pspPaymentId = "D-4-1"
                payment.nextAction = voucher
                payment.failure = nil
                payment.review = .amountMismatch(expected: Money(minorUnits: 1, currency: pen), reported: Money(minorUnits: 2, currency: pen))
                payment.nextLookAt = Date(timeIntervalSince1970: 1_800_000_000)
                payment.looks = 2
            } == .committed)
        }
        let reopened = try SQLiteStore(path: path)
        let found = try #require(try await reopened.payment(id: created.id, merchantId: "m1"))
        #expect(found.payment.status == .requiresAction)
        #expect(found.payment.version == 1)
        #expect(found.payment.nextAction == voucher)
        #expect(found.payment.request == created.request)
        #expect(found.payment.review?.code == "amount_mismatch")
        #expect(found.payment.looks == 2)
        #expect(found.attempts.count == 1)
        #expect(found.attempts.first?.durationMs == 12)
    }

    @Test func failuresAndFlagsRoundTrip() async throws {
        let store = try SQLiteStore(path: path)
        let created = payment()
        _ = try await store.create(created, idempotency: nil)
        try await write(store, created) { payment in
            payment.status = .failed
            payment.failure = .declined(.hard)
            payment.latePayment = true
        }
        let found = try #require(try await store.payment(id: created.id, merchantId: nil))
        #expect(found.payment.failure == .declined(.hard))
        #expect(found.payment.latePayment)
    }

    @Test func aWriteOverAStaleVersionIsRefusedWhole() async throws {
        let store = try SQLiteStore(path: path)
        let created = payment()
        _ = try await store.create(created, idempotency: nil)
        #expect(try await write(store, created) { $0.status = .requiresAction } == .committed)
        // A second writer that read version 0 loses, and nothing it carried is written: attempt, event, inbox row.
        let stale = attempt(for: created)
        let event = NewEvent(id: "evt_stale", type: .succeeded, createdAt: Date(), body: Array("{}".utf8), notificationURL: nil)
        let inbox = InboxEntry(connection: "dlocal", dedupeKey: "D-4-1:200", pspPaymentId: "D-4-1", paymentId: created.id, pspStatus: "PAID",
                               result: "applied", reason: nil, body: [], receivedAt: Date())
        #expect(try await write(store, created, attempts: [stale], events: [event], inbox: inbox) { $0.status = .succeeded } == .conflict)
        let found = try #require(try await store.payment(id: created.id, merchantId: nil))
        #expect(found.payment.status == .requiresAction)
        #expect(found.attempts.isEmpty)
        #expect(try await store.events(merchantId: "m1", paymentId: created.id, after: nil, limit: 10).isEmpty)
        #expect(try await store.webhookCounts(connection: "dlocal").isEmpty)
        // Read again, the same write goes through.
        #expect(try await write(store, found.payment, attempts: [stale], events: [event], inbox: inbox) { $0.status = .succeeded } == .committed)
    }

    @Test func aWebhookEventIsRecordedOnce() async throws {
        let store = try SQLiteStore(path: path)
        let created = payment()
        _ = try await store.create(created, idempotency: nil)
        func entry(_ result: String) -> InboxEntry {
            InboxEntry(connection: "dlocal", dedupeKey: "D-4-1:200", pspPaymentId: "D-4-1", paymentId: created.id, pspStatus: "PAID",
                       result: result, reason: nil, body: Array("{}".utf8), receivedAt: Date())
        }
        #expect(try await write(store, created, inbox: entry("applied")) { $0.status = .succeeded } == .committed)
        #expect(try await store.recordIfDuplicate(connection: "dlocal", dedupeKey: "D-4-1:200"))
        #expect(try await !store.recordIfDuplicate(connection: "dlocal", dedupeKey: "D-4-1:400"))
        // A duplicate that raced past the check is refused by the unique key, and nothing else is written.
        let current = try #require(try await store.payment(id: created.id, merchantId: nil)).payment
        #expect(try await write(store, current, inbox: entry("applied")) { $0.status = .canceled } == .duplicate)
        #expect(try await store.payment(id: created.id, merchantId: nil)?.payment.status == .succeeded)
        #expect(try await store.webhookCounts(connection: "dlocal") == ["applied": 1, "duplicate": 2])
        // An orphan is recorded without a payment.
        let orphan = InboxEntry(connection: "dlocal", dedupeKey: "D-4-9:200", pspPaymentId: "D-4-9", paymentId: nil, pspStatus: "PAID",
                                result: "orphaned", reason: nil, body: Array("{}".utf8), receivedAt: Date())
        #expect(try await store.commit(PaymentWrite(payment: nil, expectedVersion: 0, inbox: orphan)) == .committed)
        #expect(try await store.orphanedWebhooks(limit: 10).map(\.pspPaymentId) == ["D-4-9"])
    }

    @Test func attemptsAreFoundByPSPIdOrByReference() async throws {
        let store = try SQLiteStore(path: path)
        let created = payment()
        _ = try await store.create(created, idempotency: nil)
        let known = attempt(for: created, psp: nil)
        try await write(store, created, attempts: [known])
        #expect(try await store.attempt(connection: "dlocal", pspPaymentId: "D-4-x", reference: known.id)
            == AttemptRef(paymentId: created.id, attemptId: known.id))
        #expect(try await store.attempt(connection: "dlocal", pspPaymentId: "D-4-x", reference: nil) == nil)
        #expect(try await store.attempt(connection: "checkout", pspPaymentId: "D-4-x", reference: known.id) == nil)
    }

    @Test func anotherMerchantCannotSeeAPayment() async throws {
        let store = try SQLiteStore(path: path)
        let stored = payment()
        _ = try await store.create(stored, idempotency: nil)
        #expect(try await store.payment(id: stored.id, merchantId: "m2") == nil)
        #expect(try await store.payments(merchantId: "m2", orderId: nil, limit: 10).isEmpty)
    }

    @Test func listsAreNewestFirstAndFilterByOrder() async throws {
        let store = try SQLiteStore(path: path)
        let base = Date()
        let first = payment(order: "o-1", at: base), second = payment(order: "o-1", at: base.addingTimeInterval(1)),
            other = payment(order: "o-2", at: base.addingTimeInterval(2))
        for item in [first, second, other] { _ = try await store.create(item, idempotency: nil) }
        #expect(try await store.payments(merchantId: "m1", orderId: "o-1", limit: 10).map(\.payment.id) == [second.id, first.id])
        #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 2).map(\.payment.id) == [other.id, second.id])
    }

    @Test func idempotencyKeysReplayRefuseOtherBodiesAndEndTheirLease() async throws {
        let store = try SQLiteStore(path: path)
        let first = payment()
        let lease = Date().addingTimeInterval(60)
        let claim = IdempotencyClaim(key: "k1", requestHash: "h1", leaseUntil: lease)
        #expect(try await store.create(first, idempotency: claim) == .created)
        #expect(try await store.create(payment(), idempotency: claim) == .inFlight(paymentId: first.id))
        #expect(try await store.create(payment(), idempotency: IdempotencyClaim(key: "k1", requestHash: "h2")) == .mismatch)
        // Once the lease has ended without a reply, the request is abandoned rather than in flight forever.
        #expect(try await store.create(payment(at: lease.addingTimeInterval(1)), idempotency: claim) == .abandoned(paymentId: first.id))
        let reply = IdempotencyReply(key: "k1", status: 201, body: Array("{\"id\":\"x\"}".utf8))
        try await write(store, first, reply: reply)
        #expect(try await store.create(payment(), idempotency: claim) == .replay(reply))
        #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 10).count == 1)
        // The same key for another merchant is another key.
        #expect(try await store.create(payment(merchant: "m2"), idempotency: claim) == .created)
    }

    @Test func settlingKeepsTheFirstReplyAndReleasingFreesTheKey() async throws {
        let store = try SQLiteStore(path: path)
        let created = payment()
        _ = try await store.create(created, idempotency: nil)
        let claim = IdempotencyClaim(key: "c1", requestHash: "h")
        #expect(try await store.claim(claim, merchantId: "m1", paymentId: created.id, operation: "cancel", leaseUntil: Date().addingTimeInterval(60)) == .created)
        #expect(try await store.claim(claim, merchantId: "m1", paymentId: created.id, operation: "cancel", leaseUntil: Date()) == .inFlight(paymentId: created.id))
        // The same key and hash for another operation is a reused key.
        #expect(try await store.create(payment(), idempotency: claim) == .mismatch)
        let first = IdempotencyReply(key: "c1", status: 200, body: Array("first".utf8))
        #expect(try await store.settle(key: "c1", merchantId: "m1", reply: first) == first)
        #expect(try await store.settle(key: "c1", merchantId: "m1", reply: IdempotencyReply(key: "c1", status: 409, body: [])) == first)
        let other = IdempotencyClaim(key: "c2", requestHash: "h")
        _ = try await store.claim(other, merchantId: "m1", paymentId: created.id, operation: "cancel", leaseUntil: Date().addingTimeInterval(60))
        try await store.release(key: "c2", merchantId: "m1")
        #expect(try await store.claim(other, merchantId: "m1", paymentId: created.id, operation: "cancel", leaseUntil: Date()) == .created)
    }

    @Test func theReconcilerSettlesACreateKeyLeftInFlight() async throws {
        let store = try SQLiteStore(path: path)
        let created = payment()
        _ = try await store.create(created, idempotency: IdempotencyClaim(key: "k", requestHash: "h", leaseUntil: Date().addingTimeInterval(60)))
        #expect(try await store.keysInFlight().map(\.key) == ["k"])
        var next = created
        next.status = .failed
        let settled = IdempotencyReply(key: "", status: 201, body: Array("settled".utf8))
        #expect(try await store.commit(PaymentWrite(payment: next, expectedVersion: 0, settleOpenCreateKey: settled)) == .committed)
        #expect(try await store.keysInFlight().isEmpty)
        #expect(try await store.create(payment(), idempotency: IdempotencyClaim(key: "k", requestHash: "h"))
            == .replay(IdempotencyReply(key: "k", status: 201, body: Array("settled".utf8))))
    }

    @Test func paymentsComeDueForTheReconcilerAndOpenOnesAreListed() async throws {
        let store = try SQLiteStore(path: path)
        let now = Date()
        var due = payment(), later = payment(), done = payment()
        due.nextLookAt = now.addingTimeInterval(-1)
        later.nextLookAt = now.addingTimeInterval(60)
        done.status = .succeeded
        for item in [due, later, done] { _ = try await store.create(item, idempotency: nil) }
        #expect(try await store.dueForReconcile(now: now, limit: 10).map(\.payment.id) == [due.id])
        #expect(Set(try await store.openPayments(after: nil, limit: 10).map(\.payment.id)) == [due.id, later.id])
        let firstPage = try await store.openPayments(after: nil, limit: 1)
        #expect(try await store.openPayments(after: firstPage[0].payment.id, limit: 10).count == 1)
    }

    @Test func notificationsRecordEveryTryAndRetryUntilDelivered() async throws {
        let store = try SQLiteStore(path: path)
        let stored = payment()
        _ = try await store.create(stored, idempotency: nil)
        let event = NewEvent(id: "evt_1", type: .requiresAction, createdAt: Date(), body: Array("{}".utf8), notificationURL: "https://m.example/h")
        try await write(store, stored, events: [event])
        let later = Date().addingTimeInterval(60)
        try await store.record(DeliveryAttempt(eventId: "evt_1", at: Date(), httpStatus: 500, error: nil, durationMs: 3), retryAt: later)
        #expect(try await store.dueNotifications(now: Date(), limit: 10).isEmpty)
        let due = try await store.dueNotifications(now: later, limit: 10)
        #expect(due.map(\.attempts) == [1])
        try await store.record(DeliveryAttempt(eventId: "evt_1", at: later, httpStatus: 204, error: nil, durationMs: 2), retryAt: nil)
        let (_, state) = try #require(try await store.event(id: "evt_1", merchantId: "m1"))
        #expect(state?.state == "delivered")
        #expect(state?.tries.map(\.httpStatus) == [500, 204])
        #expect(try await store.event(id: "evt_1", merchantId: "m2") == nil)
        #expect(try await store.redeliver(eventId: "evt_1", merchantId: "m1", now: later))
        #expect(try await store.dueNotifications(now: later, limit: 10).count == 1)
    }

    @Test func concurrentWritesShareCommits() async throws {
        let store = try SQLiteStore(path: path)
        let count = 200
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask { _ = try await store.create(payment(order: "o-\(index)"), idempotency: nil) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 100).count == 100)
        let commits = await store.commitCount
        #expect(commits < count, "expected group commits, got \(commits) commits for \(count) writes")
        #expect(await store.largestCommitGroup > 1)
    }

    @Test func aFailingTransactionDoesNotTakeItsGroupDown() async throws {
        let store = try SQLiteStore(path: path)
        let existing = payment(order: "dup")
        _ = try await store.create(existing, idempotency: nil)
        // An attempt for a payment that does not exist violates the foreign key; the others in the group still commit.
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    if index == 7 {
                        let orphan = Attempt(id: "att_orphan", paymentId: "pay_missing", sequence: 1, connection: "dlocal",
                                             outcome: .pending, startedAt: Date())
                        return (try? await write(store, existing, attempts: [orphan])) == .committed
                    }
                    return (try? await store.create(payment(order: "g-\(index)"), idempotency: nil)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 19)
        #expect(try await store.payment(id: existing.id, merchantId: "m1")?.payment.version == 0)
        #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 100).count == 20)
    }
}
