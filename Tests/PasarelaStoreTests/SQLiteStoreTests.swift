import Foundation
import PasarelaCore
import PasarelaStore
import Testing

/// Against a real SQLite file in a temporary folder.
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

    @Test func paymentsAndAttemptsSurviveReopening() async throws {
        var stored = payment()
        do {
            let store = try SQLiteStore(path: path)
            #expect(try await store.create(stored, idempotency: nil) == .created)
            stored.status = .requiresAction
            stored.connection = "dlocal"
            stored.pspPaymentId = "D-4-1"
            stored.nextAction = .displayVoucher(code: "12345678", barcode: nil, voucherURL: "https://v", expiresAt: Date(timeIntervalSince1970: 1_800_000_000))
            try await store.save(stored, attempts: [attempt(for: stored)], reply: nil)
        }
        let reopened = try SQLiteStore(path: path)
        let found = try #require(try await reopened.payment(id: stored.id, merchantId: "m1"))
        #expect(found.payment.status == .requiresAction)
        #expect(found.payment.nextAction == stored.nextAction)
        #expect(found.payment.request == stored.request)
        #expect(found.attempts.count == 1)
        #expect(found.attempts.first?.durationMs == 12)
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

    @Test func idempotencyKeysReplayRefuseOtherBodiesAndReportInFlight() async throws {
        let store = try SQLiteStore(path: path)
        let first = payment()
        let claim = IdempotencyClaim(key: "k1", requestHash: "h1")
        #expect(try await store.create(first, idempotency: claim) == .created)
        #expect(try await store.create(payment(), idempotency: claim) == .inFlight(paymentId: first.id))
        #expect(try await store.create(payment(), idempotency: IdempotencyClaim(key: "k1", requestHash: "h2")) == .mismatch)
        let reply = IdempotencyReply(key: "k1", status: 201, body: Array("{\"id\":\"x\"}".utf8))
        try await store.save(first, attempts: [], reply: reply)
        #expect(try await store.create(payment(), idempotency: claim) == .replay(reply))
        #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 10).count == 1)
        // The same key for another merchant is another key.
        #expect(try await store.create(payment(merchant: "m2"), idempotency: claim) == .created)
    }

    func event(_ status: PaymentStatus, psp: String = "D-4-1", code: String, amount: Int64 = 15000) -> PSPEventRecord {
        PSPEventRecord(connection: "dlocal",
                       event: PSPEvent(pspPaymentId: psp, status: status, pspStatus: status.rawValue, reference: nil,
                                       amount: Money(minorUnits: amount, currency: pen), dedupeKey: "\(psp):\(code)"),
                       rawBody: Array("{}".utf8), receivedAt: Date())
    }

    static let render: EventRenderer = { stored in
        NewEvent(id: Identifier.make("evt"), type: StatusEventType(status: stored.payment.status), createdAt: Date(),
                 body: Array("{\"status\":\"\(stored.payment.status.rawValue)\"}".utf8), notificationURL: "https://merchant.example/hook")
    }

    @Test func webhookEventsApplyOnceAndNeverRegress() async throws {
        let store = try SQLiteStore(path: path)
        var stored = payment()
        _ = try await store.create(stored, idempotency: nil)
        stored.status = .requiresAction
        try await store.save(stored, attempts: [attempt(for: stored)], reply: nil)

        #expect(try await store.apply(event(.succeeded, code: "200"), render: Self.render) == .applied(paymentId: stored.id, status: .succeeded))
        #expect(try await store.apply(event(.succeeded, code: "200"), render: Self.render) == .duplicate)
        guard case .ignored = try await store.apply(event(.expired, code: "500"), render: Self.render) else {
            Issue.record("an expiry after success must be ignored")
            return
        }
        let found = try #require(try await store.payment(id: stored.id, merchantId: "m1"))
        #expect(found.payment.status == .succeeded)
        #expect(found.attempts.first?.outcome == .succeeded)
        // Exactly one event, for the one applied change, with its notification pending.
        let events = try await store.events(merchantId: "m1", paymentId: stored.id, after: nil, limit: 10)
        #expect(events.map(\.type) == ["payment.succeeded"])
        #expect(String(decoding: events[0].body, as: UTF8.self) == #"{"status":"succeeded"}"#)
        #expect(try await store.dueNotifications(now: Date(), limit: 10).map(\.eventId) == [events[0].id])
        #expect(try await store.webhookCounts(connection: "dlocal") == ["applied": 1, "ignored": 1, "duplicate": 1])
    }

    @Test func notificationsRecordEveryTryAndRetryUntilDelivered() async throws {
        let store = try SQLiteStore(path: path)
        let stored = payment()
        _ = try await store.create(stored, idempotency: nil)
        let event = NewEvent(id: "evt_1", type: .requiresAction, createdAt: Date(), body: Array("{}".utf8), notificationURL: "https://m.example/h")
        try await store.save(stored, attempts: [], reply: nil, event: event)
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

    @Test func unknownPaymentsAreOrphansAndMismatchedAmountsAreFlagged() async throws {
        let store = try SQLiteStore(path: path)
        #expect(try await store.apply(event(.succeeded, psp: "D-4-unknown", code: "200"), render: Self.render) == .orphaned)
        #expect(try await store.orphanedWebhooks(limit: 10).map(\.pspPaymentId) == ["D-4-unknown"])
        var stored = payment()
        _ = try await store.create(stored, idempotency: nil)
        stored.status = .requiresAction
        try await store.save(stored, attempts: [attempt(for: stored)], reply: nil)
        guard case .flagged = try await store.apply(event(.succeeded, code: "200", amount: 100), render: Self.render) else {
            Issue.record("an amount mismatch must be flagged")
            return
        }
        #expect(try await store.payment(id: stored.id, merchantId: "m1")?.payment.status == .requiresAction)
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
        let duplicate = payment(order: "dup")
        _ = try await store.create(duplicate, idempotency: nil)
        // An attempt for a payment that does not exist violates the foreign key; the others in the group still commit.
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<20 {
                group.addTask {
                    if index == 7 {
                        let orphan = Attempt(id: "att_orphan", paymentId: "pay_missing", sequence: 1, connection: "dlocal",
                                             outcome: .pending, startedAt: Date())
                        var ghost = payment()
                        ghost.id = "pay_other"
                        return (try? await store.save(ghost, attempts: [orphan], reply: nil)) != nil
                    }
                    return (try? await store.create(payment(order: "g-\(index)"), idempotency: nil)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 19)
        #expect(try await store.payment(id: "pay_other", merchantId: "m1") == nil)
        #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 100).count == 20)
    }
}
