import Foundation
import PasarelaCore
import PasarelaStore
import PasarelaTestSupport
import Testing

/// The store's promises, written once and run against every store: SQLite always, PostgreSQL when
/// `PASARELA_TEST_POSTGRES_URL` names a server (`.ci/run` starts one). What a fact does to a payment is the machine's,
/// tested in Core; here: durability, compare-and-set, unique inbox and keys, claims, refund sums, paging.
@Suite struct StoreContractTests {
    typealias F = Fixtures

    @Test(arguments: StoreKind.available) func paymentsAndAttemptsSurviveReopening(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { handle, store in
            let created = F.payment()
            let voucher = NextAction.displayVoucher(code: "12345678", barcode: nil, voucherURL: "https://v", expiresAt: Date(timeIntervalSince1970: 1_800_000_000))
            #expect(try await store.create(created, idempotency: nil) == .created)
            #expect(try await F.write(store, created, attempts: [F.attempt(for: created)]) { payment in
                payment.status = .requiresAction
                payment.connection = "dlocal"
                payment.pspPaymentId = "D-4-1"
                payment.nextAction = voucher
                payment.review = .amountMismatch(expected: Money(minorUnits: 1, currency: F.pen), reported: Money(minorUnits: 2, currency: F.pen))
                payment.nextLookAt = Date(timeIntervalSince1970: 1_800_000_000)
                payment.looks = 2
            } == .committed)
            let reopened = try await handle.open()
            let found = try #require(try await reopened.payment(id: created.id, merchantId: "m1"))
            #expect(found.payment.status == .requiresAction)
            #expect(found.payment.version == 1)
            #expect(found.payment.nextAction == voucher)
            #expect(found.payment.request == created.request)
            #expect(abs(found.payment.createdAt.timeIntervalSince(created.createdAt)) < 0.001)
            #expect(found.payment.review?.code == "amount_mismatch")
            #expect(found.payment.looks == 2)
            #expect(found.attempts.count == 1)
            #expect(found.attempts.first?.durationMs == 12)
        }
    }

    @Test(arguments: StoreKind.available) func failuresAndFlagsRoundTrip(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let created = F.payment()
            _ = try await store.create(created, idempotency: nil)
            try await F.write(store, created) { payment in
                payment.status = .failed
                payment.failure = .declined(.hard)
                payment.latePayment = true
                payment.succeededAt = Date(timeIntervalSince1970: 1_800_000_000.5)
            }
            let found = try #require(try await store.payment(id: created.id, merchantId: nil))
            #expect(found.payment.failure == .declined(.hard))
            #expect(found.payment.latePayment)
            #expect(found.payment.succeededAt == Date(timeIntervalSince1970: 1_800_000_000.5))
        }
    }

    @Test(arguments: StoreKind.available) func aWriteOverAStaleVersionIsRefusedWhole(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let created = F.payment()
            _ = try await store.create(created, idempotency: nil)
            #expect(try await F.write(store, created) { $0.status = .requiresAction } == .committed)
            // A second writer that read version 0 loses, and nothing it carried is written: attempt, event, inbox row.
            let stale = F.attempt(for: created)
            let event = F.event("evt_stale", url: nil)
            let inbox = F.inbox("D-4-1:200", payment: created.id)
            #expect(try await F.write(store, created, attempts: [stale], events: [event], inbox: inbox) { $0.status = .succeeded } == .conflict)
            let found = try #require(try await store.payment(id: created.id, merchantId: nil))
            #expect(found.payment.status == .requiresAction)
            #expect(found.attempts.isEmpty)
            #expect(try await store.events(merchantId: "m1", paymentId: created.id, after: nil, limit: 10).isEmpty)
            #expect(try await store.webhookCounts(connection: "dlocal").isEmpty)
            // Read again, the same write goes through.
            #expect(try await F.write(store, found.payment, attempts: [stale], events: [event], inbox: inbox) { $0.status = .succeeded } == .committed)
        }
    }

    @Test(arguments: StoreKind.available) func concurrentWritesOnOneVersionLetExactlyOneWin(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let created = F.payment()
            _ = try await store.create(created, idempotency: nil)
            let results = try await withThrowingTaskGroup(of: CommitResult.self) { group in
                for index in 0..<12 {
                    group.addTask { try await F.write(store, created, events: [F.event("evt_\(index)", url: nil)]) { $0.looks = index } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 == .committed }.count == 1)
            #expect(results.filter { $0 == .conflict }.count == 11)
            #expect(try await store.events(merchantId: "m1", paymentId: created.id, after: nil, limit: 20).count == 1)
            #expect(try await store.payment(id: created.id, merchantId: nil)?.payment.version == 1)
        }
    }

    /// Writers that hold the payment (read and write in one transaction) are serialised: however many at once, none
    /// loses a compare-and-set, each sees the one before it, and a plain write over a version read before them loses.
    @Test(arguments: StoreKind.available) func writersHoldingAPaymentNeverConflict(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let created = F.payment()
            _ = try await store.create(created, idempotency: nil)
            let writers = 40
            let results = try await withThrowingTaskGroup(of: (Int, CommitResult).self) { group in
                for index in 0..<writers {
                    group.addTask {
                        try await store.commitHolding(paymentId: created.id) { stored in
                            guard var payment = stored?.payment else { return (nil, -1) }
                            let seen = payment.looks
                            payment.looks += 1
                            var write = PaymentWrite(payment: payment, expectedVersion: payment.version, events: [F.event("evt_h\(index)", url: nil)])
                            write.refunds = []
                            return (write, seen)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.1 == .committed })
            #expect(results.map(\.0).sorted() == Array(0..<writers), "each writer saw the one before it")
            let found = try #require(try await store.payment(id: created.id, merchantId: nil))
            #expect(found.payment.looks == writers)
            #expect(found.payment.version == writers)
            #expect(try await store.events(merchantId: "m1", paymentId: created.id, after: nil, limit: 100).count == writers)
            #expect(try await F.write(store, created) { $0.looks = 0 } == .conflict)
            // A decision with nothing to write writes nothing; one for a payment that is not there sees nil.
            let (seen, nothing) = try await store.commitHolding(paymentId: created.id) { stored in (nil, stored?.payment.looks) }
            #expect(seen == writers && nothing == .committed)
            let (missing, _) = try await store.commitHolding(paymentId: "pay_none") { stored in (nil, stored == nil) }
            #expect(missing)
            // What the decision throws comes back as it is (never as a database failure), and nothing is written.
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                _ = try await store.commitHolding(paymentId: created.id) { _ -> (PaymentWrite?, Int) in throw Refused() }
            }
            #expect(try await store.payment(id: created.id, merchantId: nil)?.payment.version == writers)
        }
    }

    @Test(arguments: StoreKind.available) func aWebhookEventIsRecordedOnceEvenWhenItArrivesTwiceAtOnce(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let payments = [F.payment(), F.payment()]
            for payment in payments { _ = try await store.create(payment, idempotency: nil) }
            // The same event recorded with two payments' writes at once (two instances): one commits, one is a duplicate.
            let results = try await withThrowingTaskGroup(of: CommitResult.self) { group in
                for payment in payments {
                    group.addTask { try await F.write(store, payment, inbox: F.inbox("D-4-1:200", payment: payment.id)) { $0.status = .succeeded } }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.sorted { "\($0)" < "\($1)" } == [.committed, .duplicate])
            // The losing decision is rolled back whole, its repeat counted by the caller (as the gateway does, in a batch).
            try await store.addDuplicates([InboxKey(connection: "dlocal", dedupeKey: "D-4-1:200"): 1])
            #expect(try await store.webhookCounts(connection: "dlocal") == ["applied": 1, "duplicate": 1])
            // A read finds the repeat; its count is added later in one batch, and a key never recorded counts nothing.
            #expect(try await store.isRecorded(connection: "dlocal", dedupeKey: "D-4-1:200"))
            #expect(try await !store.isRecorded(connection: "dlocal", dedupeKey: "D-4-1:400"))
            #expect(try await !store.isRecorded(connection: "checkout", dedupeKey: "D-4-1:200"))
            try await store.addDuplicates([InboxKey(connection: "dlocal", dedupeKey: "D-4-1:200"): 3,
                                           InboxKey(connection: "dlocal", dedupeKey: "D-4-1:999"): 2])
            #expect(try await store.webhookCounts(connection: "dlocal") == ["applied": 1, "duplicate": 4])
            let statuses = try await payments.asyncMap { try await store.payment(id: $0.id, merchantId: nil)?.payment.status }
            #expect(statuses.filter { $0 == .succeeded }.count == 1, "the duplicate's payment write was undone with it")
            let orphan = F.inbox("D-4-9:200", payment: nil, result: "orphaned")
            #expect(try await store.commit(PaymentWrite(payment: nil, expectedVersion: 0, inbox: orphan)) == .committed)
            #expect(try await store.orphanedWebhooks(limit: 10).map(\.dedupeKey) == ["D-4-9:200"])
        }
    }

    @Test(arguments: StoreKind.available) func attemptsAndRefundsAreFoundByPSPIdOrByReference(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let created = F.payment()
            _ = try await store.create(created, idempotency: nil)
            let known = F.attempt(for: created, psp: nil)
            let refund = Refund(id: "re_1", paymentId: created.id, amount: Money(minorUnits: 100, currency: F.pen), connection: "dlocal",
                                pspRefundId: "REF-1", createdAt: F.now(), updatedAt: F.now())
            try await F.write(store, created, attempts: [known], refunds: [refund]) { $0.status = .succeeded }
            #expect(try await store.attempt(connection: "dlocal", pspPaymentId: "D-4-x", reference: known.id)
                == AttemptRef(paymentId: created.id, attemptId: known.id))
            #expect(try await store.attempt(connection: "dlocal", pspPaymentId: "D-4-x", reference: nil) == nil)
            #expect(try await store.attempt(connection: "checkout", pspPaymentId: "D-4-x", reference: known.id) == nil)
            // The same lookups with the payment read alongside, as the webhook path makes them.
            let other = F.payment(order: "o-2")
            _ = try await store.create(other, idempotency: nil)
            let byPSP = F.attempt(for: other, psp: "D-4-2")
            try await F.write(store, other, attempts: [byPSP]) { $0.status = .requiresAction }
            let viaReference = try #require(try await store.paymentOf(connection: "dlocal", pspPaymentId: "D-4-x", reference: known.id))
            #expect(viaReference.0 == AttemptRef(paymentId: created.id, attemptId: known.id))
            #expect(viaReference.1.payment.status == .succeeded)
            #expect(viaReference.1.attempts.map(\.id) == [known.id])
            #expect(viaReference.1.refunds.map(\.id) == ["re_1"])
            let viaPSP = try #require(try await store.paymentOf(connection: "dlocal", pspPaymentId: "D-4-2", reference: known.id))
            #expect(viaPSP.0 == AttemptRef(paymentId: other.id, attemptId: byPSP.id), "the PSP's id wins over the reference")
            #expect(viaPSP.1.payment.status == .requiresAction)
            #expect(viaPSP.1.attempts.map(\.id) == [byPSP.id])
            #expect(try await store.paymentOf(connection: "dlocal", pspPaymentId: "D-4-x", reference: nil) == nil)
            #expect(try await store.paymentOf(connection: "checkout", pspPaymentId: "D-4-2", reference: known.id) == nil)
            #expect(try await store.refund(connection: "dlocal", pspRefundId: "REF-1", reference: nil) == RefundRef(paymentId: created.id, refundId: "re_1"))
            #expect(try await store.refund(connection: "dlocal", pspRefundId: nil, reference: "re_1") == RefundRef(paymentId: created.id, refundId: "re_1"))
            #expect(try await store.refund(connection: "checkout", pspRefundId: "REF-1", reference: "re_1") == nil)
            #expect(try await store.refund(id: "re_1", merchantId: "m1")?.amount.minorUnits == 100)
            #expect(try await store.refund(id: "re_1", merchantId: "m2") == nil)
        }
    }

    @Test(arguments: StoreKind.available) func refundsNeverAddUpToMoreThanTheCeiling(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            var created = F.payment()
            _ = try await store.create(created, idempotency: nil)
            func refund(_ id: String, _ minor: Int64, _ status: RefundStatus = .pending) -> Refund {
                Refund(id: id, paymentId: created.id, amount: Money(minorUnits: minor, currency: F.pen), status: status, connection: "dlocal",
                       createdAt: F.now(), updatedAt: F.now())
            }
            #expect(try await F.write(store, created, refunds: [refund("re_a", 9000)], ceiling: 15000) { $0.status = .succeeded } == .committed)
            created = try #require(try await store.payment(id: created.id, merchantId: nil)).payment
            // 9000 + 7000 > 15000: refused whole, the payment's write too.
            #expect(try await F.write(store, created, refunds: [refund("re_b", 7000)], ceiling: 15000) { $0.looks = 9 } == .refundCeilingExceeded)
            #expect(try await store.payment(id: created.id, merchantId: nil)?.refunds.map(\.id) == ["re_a"])
            #expect(try await store.payment(id: created.id, merchantId: nil)?.payment.looks == 0)
            // A failed refund no longer counts.
            #expect(try await F.write(store, created, refunds: [refund("re_a", 9000, .failed), refund("re_b", 7000)], ceiling: 15000) == .committed)
            #expect(try await store.payment(id: created.id, merchantId: nil)?.refunds.map(\.status) == [.failed, .pending])
        }
    }

    @Test(arguments: StoreKind.available) func anotherMerchantCannotSeeAPayment(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let stored = F.payment()
            _ = try await store.create(stored, idempotency: nil)
            #expect(try await store.payment(id: stored.id, merchantId: "m2") == nil)
            #expect(try await store.payments(merchantId: "m2", orderId: nil, limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.available) func listsAreNewestFirstFilterAndPage(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let base = F.now()
            let first = F.payment(order: "o-1", at: base), second = F.payment(order: "o-1", at: base.addingTimeInterval(1)),
                other = F.payment(order: "o-2", at: base.addingTimeInterval(2))
            for item in [first, second, other] { _ = try await store.create(item, idempotency: nil) }
            #expect(try await store.payments(merchantId: "m1", orderId: "o-1", limit: 10).map(\.payment.id) == [second.id, first.id])
            #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 2).map(\.payment.id) == [other.id, second.id])
            #expect(try await store.payments(merchantId: "m1", orderId: nil, status: nil, startingAfter: second.id, limit: 10).map(\.payment.id) == [first.id])
            try await F.write(store, other) { $0.status = .succeeded }
            #expect(try await store.payments(merchantId: "m1", orderId: nil, status: .succeeded, startingAfter: nil, limit: 10).map(\.payment.id) == [other.id])
        }
    }

    @Test(arguments: StoreKind.available) func idempotencyKeysReplayRefuseOtherBodiesAndEndTheirLease(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let first = F.payment()
            let lease = F.now().addingTimeInterval(60)
            let claim = IdempotencyClaim(key: "k1", requestHash: "h1", leaseUntil: lease)
            #expect(try await store.create(first, idempotency: claim) == .created)
            #expect(try await store.create(F.payment(), idempotency: claim) == .inFlight(paymentId: first.id))
            #expect(try await store.create(F.payment(), idempotency: IdempotencyClaim(key: "k1", requestHash: "h2")) == .mismatch)
            // Once the lease has ended without a reply, the request is abandoned rather than in flight forever.
            #expect(try await store.create(F.payment(at: lease.addingTimeInterval(1)), idempotency: claim) == .abandoned(paymentId: first.id))
            let reply = IdempotencyReply(key: "k1", status: 201, body: Array("{\"id\":\"x\"}".utf8))
            try await F.write(store, first, reply: reply)
            #expect(try await store.create(F.payment(), idempotency: claim) == .replay(reply))
            #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 10).count == 1)
            // The same key for another merchant is another key.
            #expect(try await store.create(F.payment(merchant: "m2"), idempotency: claim) == .created)
        }
    }

    /// Running requests renew their holds in one write: a renewed key is still in flight after its first lease, a key
    /// with a reply and a payment whose lease ended are left as they are, and a held payment is not claimed for a look.
    @Test(arguments: StoreKind.available) func runningRequestsRenewTheirHoldsTogether(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let lease = F.now().addingTimeInterval(15)
            var held = F.payment()
            held.leaseUntil = lease
            held.nextLookAt = lease
            let claim = IdempotencyClaim(key: "held", requestHash: "h", leaseUntil: lease)
            #expect(try await store.create(held, idempotency: claim) == .created)
            var ended = F.payment(order: "o-2")
            ended.nextLookAt = F.now()
            let answered = IdempotencyClaim(key: "answered", requestHash: "h", leaseUntil: lease)
            #expect(try await store.create(ended, idempotency: answered) == .created)
            let reply = IdempotencyReply(key: "answered", status: 201, body: Array("{}".utf8))
            try await F.write(store, ended, reply: reply)
            let renewed = F.now().addingTimeInterval(30)
            try await store.renewLeases([LeaseHold(merchantId: "m1", key: "held", paymentId: held.id),
                                         LeaseHold(merchantId: "m1", key: "answered", paymentId: ended.id)], until: renewed)
            let later = lease.addingTimeInterval(1)
            #expect(try await store.create(F.payment(at: later), idempotency: claim) == .inFlight(paymentId: held.id))
            #expect(try await store.create(F.payment(at: later), idempotency: answered) == .replay(reply))
            #expect(try await store.payment(id: held.id, merchantId: nil)?.payment.leaseUntil.map { abs($0.timeIntervalSince(renewed)) < 0.01 } == true)
            #expect(try await store.payment(id: ended.id, merchantId: nil)?.payment.leaseUntil == nil)
            // Due for a look, but held: not claimed until the hold lapses.
            #expect(try await store.claimDue(now: later, limit: 10, leaseUntil: later.addingTimeInterval(60)).map(\.payment.id) == [ended.id])
            let lapsed = renewed.addingTimeInterval(1)
            #expect(try await store.claimDue(now: lapsed, limit: 10, leaseUntil: lapsed.addingTimeInterval(60)).map(\.payment.id) == [held.id])
            try await store.renewLeases([], until: renewed)
        }
    }

    @Test(arguments: StoreKind.available) func oneKeySentManyTimesAtOnceMakesOnePayment(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let claim = IdempotencyClaim(key: "same", requestHash: "h", leaseUntil: F.now().addingTimeInterval(60))
            let results = try await withThrowingTaskGroup(of: CreateResult.self) { group in
                for _ in 0..<16 { group.addTask { try await store.create(F.payment(), idempotency: claim) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 == .created }.count == 1)
            #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 50).count == 1)
            let paymentId = try #require(try await store.payments(merchantId: "m1", orderId: nil, limit: 1).first?.payment.id)
            #expect(results.filter { $0 == .inFlight(paymentId: paymentId) }.count == 15)
        }
    }

    @Test(arguments: StoreKind.available) func settlingKeepsTheFirstReplyAndReleasingFreesTheKey(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let created = F.payment()
            _ = try await store.create(created, idempotency: nil)
            let claim = IdempotencyClaim(key: "c1", requestHash: "h")
            #expect(try await store.claim(claim, merchantId: "m1", paymentId: created.id, operation: "cancel", leaseUntil: Date().addingTimeInterval(60)) == .created)
            #expect(try await store.claim(claim, merchantId: "m1", paymentId: created.id, operation: "cancel", leaseUntil: Date()) == .inFlight(paymentId: created.id))
            // The same key and hash for another operation is a reused key.
            #expect(try await store.create(F.payment(), idempotency: claim) == .mismatch)
            let first = IdempotencyReply(key: "c1", status: 200, body: Array("first".utf8))
            #expect(try await store.settle(key: "c1", merchantId: "m1", reply: first) == first)
            #expect(try await store.settle(key: "c1", merchantId: "m1", reply: IdempotencyReply(key: "c1", status: 409, body: [])) == first)
            let other = IdempotencyClaim(key: "c2", requestHash: "h")
            _ = try await store.claim(other, merchantId: "m1", paymentId: created.id, operation: "cancel", leaseUntil: Date().addingTimeInterval(60))
            try await store.release(key: "c2", merchantId: "m1")
            #expect(try await store.claim(other, merchantId: "m1", paymentId: created.id, operation: "cancel", leaseUntil: Date()) == .created)
        }
    }

    @Test(arguments: StoreKind.available) func theReconcilerSettlesACreateKeyLeftInFlight(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let created = F.payment()
            _ = try await store.create(created, idempotency: IdempotencyClaim(key: "k", requestHash: "h", leaseUntil: F.now().addingTimeInterval(60)))
            #expect(try await store.keysInFlight().map(\.key) == ["k"])
            var next = created
            next.status = .failed
            let settled = IdempotencyReply(key: "", status: 201, body: Array("settled".utf8))
            #expect(try await store.commit(PaymentWrite(payment: next, expectedVersion: 0, settleOpenCreateKey: settled)) == .committed)
            #expect(try await store.keysInFlight().isEmpty)
            #expect(try await store.create(F.payment(), idempotency: IdempotencyClaim(key: "k", requestHash: "h"))
                == .replay(IdempotencyReply(key: "k", status: 201, body: Array("settled".utf8))))
        }
    }

    @Test(arguments: StoreKind.available) func duePaymentsAreClaimedOnceUntilTheirLeaseEnds(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let now = F.now()
            var due = F.payment(), later = F.payment(), done = F.payment()
            due.nextLookAt = now.addingTimeInterval(-1)
            later.nextLookAt = now.addingTimeInterval(60)
            done.status = .succeeded
            for item in [due, later, done] { _ = try await store.create(item, idempotency: nil) }
            let lease = now.addingTimeInterval(30)
            #expect(try await store.claimDue(now: now, limit: 10, leaseUntil: lease).map(\.payment.id) == [due.id])
            #expect(try await store.claimDue(now: now, limit: 10, leaseUntil: lease).isEmpty, "claimed until the lease ends")
            let afterLease = lease.addingTimeInterval(1)
            #expect(try await store.claimDue(now: afterLease, limit: 10, leaseUntil: afterLease.addingTimeInterval(30)).map(\.payment.id) == [due.id])
            #expect(Set(try await store.openPayments(after: nil, limit: 10).map(\.payment.id)) == [due.id, later.id])
            let firstPage = try await store.openPayments(after: nil, limit: 1)
            #expect(try await store.openPayments(after: firstPage[0].payment.id, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreKind.available) func notificationsAreClaimedOnceAndRecordEveryTryUntilDelivered(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let stored = F.payment()
            _ = try await store.create(stored, idempotency: nil)
            try await F.write(store, stored, events: [F.event("evt_1")])
            let now = F.now().addingTimeInterval(1)
            let claimed = try await store.claimNotifications(now: now, limit: 10, leaseUntil: now.addingTimeInterval(30))
            #expect(claimed.map(\.eventId) == ["evt_1"])
            #expect(claimed.first?.body == Array("{\"id\":\"evt_1\"}".utf8))
            #expect(try await store.claimNotifications(now: now, limit: 10, leaseUntil: now.addingTimeInterval(30)).isEmpty, "held by the claim")
            let later = now.addingTimeInterval(60)
            try await store.record(DeliveryAttempt(eventId: "evt_1", at: now, httpStatus: 500, error: nil, durationMs: 3), retryAt: later)
            #expect(try await store.claimNotifications(now: now.addingTimeInterval(31), limit: 10, leaseUntil: later).isEmpty, "retry scheduled later")
            let retried = try await store.claimNotifications(now: later, limit: 10, leaseUntil: later.addingTimeInterval(30))
            #expect(retried.map(\.attempts) == [1])
            try await store.record(DeliveryAttempt(eventId: "evt_1", at: later, httpStatus: 204, error: nil, durationMs: 2), retryAt: nil)
            let (_, state) = try #require(try await store.event(id: "evt_1", merchantId: "m1"))
            #expect(state?.state == "delivered")
            #expect(state?.attempts == 2)
            #expect(state?.tries.map(\.httpStatus) == [500, 204])
            #expect(abs((state?.deliveredAt ?? .distantPast).timeIntervalSince(later)) < 0.002)
            #expect(try await store.event(id: "evt_1", merchantId: "m2") == nil)
            #expect(try await store.redeliver(eventId: "evt_1", merchantId: "m1", now: later))
            #expect(try await !store.redeliver(eventId: "evt_1", merchantId: "m2", now: later))
            #expect(try await store.claimNotifications(now: later, limit: 10, leaseUntil: later.addingTimeInterval(30)).count == 1)
        }
    }

    @Test(arguments: StoreKind.available) func eventsPageInTheOrderTheyWereWritten(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            var stored = F.payment()
            _ = try await store.create(stored, idempotency: nil)
            for index in 0..<5 {
                try await F.write(store, stored, events: [F.event("evt_\(index)", url: nil)]) { $0.looks = index + 1 }
                stored = try #require(try await store.payment(id: stored.id, merchantId: nil)).payment
            }
            let firstPage = try await store.events(merchantId: "m1", paymentId: nil, after: nil, limit: 2)
            #expect(firstPage.map(\.id) == ["evt_0", "evt_1"])
            #expect(try await store.events(merchantId: "m1", paymentId: stored.id, after: "evt_1", limit: 10).map(\.id) == ["evt_2", "evt_3", "evt_4"])
            #expect(try await store.events(merchantId: "m1", paymentId: nil, after: "evt_unknown", limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.available) func settlementLinesAreImportedOnceAndAConflictWritesNothing(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let date = Date(timeIntervalSince1970: 1_800_000_000)
            let entry = Self.settlementLine
            let lines = [entry("a", 100, 2), entry("b", 200, 3)]
            #expect(try await store.importSettlement(connection: "dlocal", lines: lines, fileName: "f1", at: date) == SettlementImport(added: 2, known: 0))
            #expect(try await store.importSettlement(connection: "dlocal", lines: lines, fileName: "f2", at: date) == SettlementImport(added: 0, known: 2))
            do {
                _ = try await store.importSettlement(connection: "dlocal", lines: [entry("c", 1, 2), entry("a", 999, 3)], fileName: "f3", at: date)
                Issue.record("a line imported before with other values was accepted")
            } catch let conflict as SettlementConflict {
                #expect(conflict == SettlementConflict(line: 3, earlierFile: "f1", earlierLine: 2))
            }
            #expect(try await store.settledIds(connection: "dlocal").payments == ["D-4-a", "att_a", "D-4-b", "att_b"])
        }
    }

    static func settlementLine(_ key: String, _ minor: Int64, at number: Int) -> SettlementLine {
        SettlementLine(line: number, key: key, kind: .payment, pspKind: "PAYMENT", pspPaymentId: "D-4-\(key)", pspRefundId: nil,
                       reference: "att_\(key)", amount: Money(minorUnits: minor, currency: F.pen), fee: nil,
                       date: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test(arguments: StoreKind.available) func aFailingTransactionLeavesTheOthersWhole(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { _, store in
            let existing = F.payment(order: "dup")
            _ = try await store.create(existing, idempotency: nil)
            // An attempt for a payment that does not exist violates the foreign key; the writes beside it still commit.
            let results = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        if index == 7 {
                            let orphan = Attempt(id: "att_orphan", paymentId: "pay_missing", sequence: 1, connection: "dlocal",
                                                 outcome: .pending, startedAt: F.now())
                            return (try? await F.write(store, existing, attempts: [orphan])) == .committed
                        }
                        return (try? await store.create(F.payment(order: "g-\(index)"), idempotency: nil)) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 19)
            #expect(try await store.payment(id: existing.id, merchantId: "m1")?.payment.version == 0)
            #expect(try await store.payments(merchantId: "m1", orderId: nil, limit: 100).count == 20)
        }
    }

    /// A database from before the stores filled these in (PostgreSQL's v4 and v6 did not): open payments without a next
    /// look and paid ones without the time they succeeded get them when it is migrated.
    @Test(arguments: StoreKind.available) func olderRowsAreFilledInByTheBackfill(kind: StoreKind) async throws {
        try await StoreHandle.with(kind) { handle, store in
            let open = F.payment(), paid = F.payment(order: "o-2")
            _ = try await store.create(open, idempotency: nil)
            _ = try await store.create(paid, idempotency: nil)
            try await F.write(store, paid) { $0.status = .succeeded }
            guard let backed = store as? any SQLBackedStore else { throw SchemaUnreadable() }
            let forget = kind == .sqlite ? "DELETE FROM grdb_migrations WHERE identifier = 'v11_backfills'"
                                         : "DELETE FROM pasarela_migrations WHERE id = 'v11_backfills'"
            try await backed.executor.write(WritePlan([
                .run(Statement("UPDATE payments SET next_look_at = NULL, succeeded_at = NULL")), .run(Statement(forget)),
            ]) { _ in () })
            let migrated = try await handle.open()
            #expect(try await migrated.payment(id: open.id, merchantId: nil)?.payment.nextLookAt != nil)
            #expect(try await migrated.payment(id: paid.id, merchantId: nil)?.payment.succeededAt != nil)
            #expect(try await migrated.payment(id: paid.id, merchantId: nil)?.payment.nextLookAt == nil, "a final payment is not looked at")
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
