import Foundation
import PasarelaApp
@testable import PasarelaGateway
import PasarelaCore
import PasarelaStore
import Testing

/// The reconciler settles what webhooks leave open, through the same transition function and outbox. The test clock
/// stands in for waiting: each test moves it past the next look and runs one pass.
@Suite struct ReconcilerTests {
    static func shortTimeout(_ text: String) -> String { text.replacingOccurrences(of: "request_ms: 15000", with: "request_ms: 2000") }

    /// Moves the clock past the next look and runs one reconciler pass.
    static func nextLook(_ harness: Harness, seconds: TimeInterval = 400) async -> ReconcileReport {
        harness.clock.advance(by: seconds)
        return await harness.reconcile()
    }

    @Test func aDroppedWebhookIsSettledByALookup() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            var drop = try #require(harness.stack.dlocal).sender.current
            drop.dropNext = 1
            harness.stack.dlocal?.sender.set(drop)
            #expect(try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay").status == 200)
            #expect(try await harness.payment(id)["status"] as? String == "requires_action")
            // Nothing is due before the voucher has gone without news for its connection's time (6 h by default).
            #expect(await harness.reconcile().actions.isEmpty)
            let report = await Self.nextLook(harness, seconds: 6 * 3600 + 1)
            #expect(report.actions.map(\.paymentId) == [id])
            #expect(try await harness.payment(id)["status"] as? String == "succeeded")
            #expect(try await harness.eventTypes(id) == ["payment.requires_action", "payment.succeeded"])
        }
    }

    /// dLocal made the payment, its answer was unreadable and so was the order lookup: the create answers processing,
    /// and the reconciler's first look (seconds later, not minutes) finds it by its order id. No replay, one payment.
    @Test func anUnreadableAnswerIsFoundByItsOrderAtTheFirstLook() async throws {
        try await Harness.with(adapterEdit: Self.shortTimeout) { harness in
            let dlocal = try #require(harness.stack.dlocal)
            dlocal.faults.inject(.garbage)
            dlocal.faults.inject(.status(503), times: 2)
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["status"] as? String == "processing", "\(created.text)")
            #expect(dlocal.ledger.count == 1)
            #expect(await harness.reconcile().actions.isEmpty, "the first look is due after first_look_after_seconds")
            let report = await Self.nextLook(harness, seconds: 12)
            #expect(report.actions.first?.step == .asked)
            let settled = try await harness.payment(id)
            #expect(settled["status"] as? String == "requires_action")
            #expect(settled["psp_payment_id"] as? String == dlocal.ledger.first)
            #expect((settled["next_action"] as? [String: Any])?["type"] as? String == "display_voucher")
            #expect(try await harness.eventTypes(id) == ["payment.processing", "payment.requires_action"])
            #expect(dlocal.ledger.count == 1)
            let flows = try await harness.stack.gateway.store.calls(paymentId: id, attemptId: nil).map(\.flow)
            #expect(flows.filter { $0 == "create" }.count == 1, "never sent again: \(flows)")
        }
    }

    /// A PSP that can say whether it holds the payment is never taken for one that cannot: however long dLocal stays
    /// silent, the payment stays processing (flagged for review after the last look, and still asked), and when dLocal
    /// answers again the payment takes its state and the flag goes.
    @Test func aSilentPSPThatCanSayNeverHasItsPaymentFailed() async throws {
        try await Harness.with(adapterEdit: Self.shortTimeout) { harness in
            let dlocal = try #require(harness.stack.dlocal)
            dlocal.faults.inject(.garbage)
            dlocal.faults.setFailureRate(percent: 100)
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["status"] as? String == "processing", "\(created.text)")
            var last = ReconcileReport()
            for _ in 0..<10 { last = await Self.nextLook(harness, seconds: 4000) }
            #expect(last.actions.first?.step == .asked, "\(last.lines)")
            let waiting = try await harness.payment(id)
            #expect(waiting["status"] as? String == "processing")
            #expect((waiting["review"] as? [String: Any])?["code"] as? String == "psp_not_answering")
            #expect(try await harness.stack.gateway.store.payment(id: id, merchantId: nil)?.payment.nextLookAt != nil, "still asked")
            dlocal.faults.clear()
            _ = await Self.nextLook(harness, seconds: 4000)
            let found = try await harness.payment(id)
            #expect(found["status"] as? String == "requires_action")
            #expect(found["review"] is NSNull)
            #expect(dlocal.ledger.count == 1)
            #expect(try await harness.eventTypes(id) == ["payment.processing", "payment.requires_action"])
        }
    }

    /// A create stuck mid-attempt in an instance that no longer renews its hold (it died): while the lease runs a retry
    /// is told the request is in flight; once it lapses the retry itself takes the payment over (asks dLocal by the order)
    /// and answers it settled, and every later retry gets the same bytes. One payment at dLocal.
    @Test func aCreateThatDiedMidAttemptIsTakenOverByTheRetryOnceItsLeaseLapses() async throws {
        try await Harness.with { harness in
            let dlocal = try #require(harness.stack.dlocal)
            // The PSP processes the request but its answer never arrives: the create stays stuck mid-attempt, as if
            // the gateway had died there.
            dlocal.replies.hold()
            let body = Harness.cashBody(order: "crash-1")
            let headers = [("Authorization", "Bearer \(harness.key)"), ("Idempotency-Key", "crash-1")]
            let stuck = Task { try await harness.call("POST", "/v1/payments", json: body, headers: headers) }
            try await harness.eventually("dLocal holding its answer") { dlocal.replies.heldCount == 1 }
            dlocal.replies.stopHolding()
            let inFlight = try await harness.call("POST", "/v1/payments", json: body, headers: headers)
            #expect(inFlight.status == 409)
            #expect(inFlight.error["code"] as? String == "idempotency_in_flight")
            #expect(await harness.reconcile().actions.isEmpty, "the reconciler leaves a payment a request holds")
            harness.clock.advance(by: harness.stack.gateway.requestLease.duration + 1)
            let retry = try await harness.call("POST", "/v1/payments", json: body, headers: headers)
            #expect(retry.status == 201, "\(retry.text)")
            #expect(retry.json["status"] as? String == "requires_action")
            #expect(try await harness.call("POST", "/v1/payments", json: body, headers: headers).bytes == retry.bytes)
            #expect(dlocal.ledger.count == 1)
            dlocal.replies.open()
            _ = try await stuck.value
            #expect(try await harness.call("POST", "/v1/payments", json: body, headers: headers).bytes == retry.bytes)
        }
    }

    /// A request that lives renews its hold: however long its PSP takes, a retry with its key is told it is in flight and
    /// the reconciler leaves its payment alone, past the first lease and the next.
    @Test func aLiveRequestKeepsItsHoldPastItsFirstLease() async throws {
        let lease = RequestLease(duration: 15, renewEvery: .milliseconds(50))
        try await Harness.with(requestLease: lease) { harness in
            let dlocal = try #require(harness.stack.dlocal)
            dlocal.replies.hold()
            let body = Harness.cashBody(order: "slow-1")
            let headers = [("Authorization", "Bearer \(harness.key)"), ("Idempotency-Key", "slow-1")]
            let slow = Task { try await harness.call("POST", "/v1/payments", json: body, headers: headers) }
            try await harness.eventually("dLocal holding its answer") { dlocal.replies.heldCount == 1 }
            dlocal.replies.stopHolding()
            let id = try #require(try await harness.call("GET", "/v1/payments?order_id=slow-1").json["data"] as? [[String: Any]]).first?["id"] as? String
            for _ in 0..<2 {
                harness.clock.advance(by: 20)
                let advanced = harness.clock.now()
                try await harness.eventually("the hold renewed") {
                    (try await harness.stack.gateway.store.payment(id: id ?? "", merchantId: nil)?.payment.leaseUntil ?? .distantPast) > advanced
                }
                let retry = try await harness.call("POST", "/v1/payments", json: body, headers: headers)
                #expect(retry.status == 409, "\(retry.text)")
                #expect(await harness.reconcile().actions.isEmpty)
            }
            dlocal.replies.open()
            let created = try await slow.value
            #expect(created.status == 201)
            #expect(created.json["status"] as? String == "requires_action")
            #expect(try await harness.stack.gateway.store.payment(id: id ?? "", merchantId: nil)?.payment.leaseUntil == nil)
        }
    }

    @Test func aPaymentThatNeverReachedAPSPEndsFailedAndAFailedAttemptEndsTheWayItFailed() async throws {
        try await Harness.with { harness in
            let gateway = harness.stack.gateway
            let request = PaymentRequest(amount: Money(minorUnits: 100, currency: Currency(code: "PEN")!), country: "PE",
                                         method: .cash(network: nil), orderId: "o", customer: Customer(name: "A", email: "a@example.com"))
            // What a crash between storing the payment and its first attempt leaves.
            let lonely = Payment(id: Identifier.make("pay"), merchantId: "merchant_sandbox", livemode: false, status: .processing,
                                 request: request, createdAt: harness.clock.now(), updatedAt: harness.clock.now(),
                                 leaseUntil: harness.clock.now().addingTimeInterval(60), nextLookAt: harness.clock.now().addingTimeInterval(60))
            #expect(try await gateway.store.create(lonely, idempotency: nil) == .created)
            // And a crash after a failed attempt, before the next one.
            var second = lonely
            second.id = Identifier.make("pay")
            #expect(try await gateway.store.create(second, idempotency: nil) == .created)
            let failed = Attempt(id: Identifier.make("att"), paymentId: second.id, sequence: 1, connection: "dlocal", outcome: .failed,
                                 failureClass: .http5xx, errorCode: "7000", startedAt: harness.clock.now())
            _ = try await gateway.writer.apply(.attemptStarted(failed), to: second.id)
            let report = await Self.nextLook(harness, seconds: 120)
            #expect(Set(report.actions.map(\.step)) == [.interrupted, .endedAsAttempted])
            let first = try await harness.payment(lonely.id)
            #expect(first["status"] as? String == "failed")
            #expect((first["failure"] as? [String: Any])?["code"] as? String == "interrupted_before_psp")
            #expect((try await harness.payment(second.id)["failure"] as? [String: Any])?["code"] as? String == "psp_refused")
            #expect(try await harness.eventTypes(lonely.id) == ["payment.failed"])
        }
    }

    @Test func onePSPFailingHoldsUpNoneOfTheOthers() async throws {
        let routes = "routes:\n  - name: peru-cash\n    match: { country: PE, method: cash }\n    targets: [pagoefectivo, dlocal]\n    timeout_ms: 2000\n  - name: cards\n    match: { method: card }\n    targets: [dlocal]\n    timeout_ms: 2000\n  - name: default\n    targets: [dlocal]\n"
        try await Harness.with(routes: routes) { harness in
            let pagoefectivo = try #require(harness.stack.pagoefectivo), dlocal = try #require(harness.stack.dlocal)
            // The CIP is issued but its answer is late, the search for it fails, and the replay is refused as a duplicate.
            pagoefectivo.faults.inject(.holdAfterProcessing)
            pagoefectivo.faults.inject(.status(503), times: 2)
            let cash = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            pagoefectivo.faults.releaseHeld()
            dlocal.faults.inject(.garbage)
            dlocal.faults.inject(.status(503), times: 2)
            let card = try await harness.call("POST", "/v1/payments",
                                              json: Harness.body(country: "PE", currency: "PEN", value: 500, method: #"{"type":"card","token":"CV-x"}"#))
            let cashId = try #require(cash.json["id"] as? String), cardId = try #require(card.json["id"] as? String)
            #expect(cash.json["status"] as? String == "processing", "\(cash.text)")
            #expect(card.json["status"] as? String == "processing", "\(card.text)")
            // dLocal keeps failing; PagoEfectivo answers. One pass settles the CIP and counts a look for the card.
            dlocal.faults.inject(.status(503), times: 5)
            let report = await Self.nextLook(harness, seconds: 120)
            #expect(report.looked == 2)
            #expect(try await harness.payment(cashId)["status"] as? String == "requires_action")
            #expect(try await harness.payment(cardId)["status"] as? String == "processing")
            #expect(report.actions.contains { $0.paymentId == cardId && $0.detail.contains("no news") })
            #expect(pagoefectivo.ledger.count == 1)
        }
    }

    @Test func aSecondCIPLeftByAReplayIsCanceledAndThePaymentKeepsOneVoucher() async throws {
        let routes = "routes:\n  - name: peru-cash\n    match: { country: PE, method: cash }\n    targets: [pagoefectivo]\n    timeout_ms: 2000\n  - name: default\n    targets: [dlocal]\n"
        try await Harness.with(routes: routes) { harness in
            let pagoefectivo = try #require(harness.stack.pagoefectivo)
            #expect(pagoefectivo.applySetting("unique_transaction_code", false))
            // The first CIP request is held before PagoEfectivo processes it: Pasarela times out, finds nothing under its
            // reference yet, and replays; this PagoEfectivo does not refuse the replayed transactionCode, so when the
            // first request is let through it issues a second CIP.
            pagoefectivo.faults.inject(.holdBeforeProcessing)
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            #expect(created.json["status"] as? String == "requires_action", "\(created.text)")
            let shown = try #require((created.json["next_action"] as? [String: Any])?["code"] as? String)
            #expect(pagoefectivo.ledger.count == 1)
            #expect(pagoefectivo.faults.releaseHeld() == 1)
            try await harness.eventually("the held first CIP") { pagoefectivo.ledger.count == 2 }
            let report = await Self.nextLook(harness, seconds: 120)
            #expect(report.actions.map(\.step).contains(.duplicateCanceled), "\(report.lines)")
            let statuses = Dictionary(uniqueKeysWithValues: pagoefectivo.ledger.map { ($0, pagoefectivo.status(of: $0) ?? "?") })
            #expect(statuses[Int(shown)!] == "PENDING")
            #expect(statuses.values.filter { $0 == "DELETED" }.count == 1)
            let payment = try await harness.payment(id)
            #expect((payment["next_action"] as? [String: Any])?["code"] as? String == shown)
            #expect(try await harness.stack.gateway.store.payment(id: id, merchantId: nil)?.attempts.first?.needsDuplicateCheck == false)
        }
    }

    @Test func aCheckoutReplyLostThenSettledLeavesTheBreakerClosedAndClean() async throws {
        let routes = "routes:\n  - name: cards\n    match: { method: card }\n    targets: [checkout, dlocal]\n    timeout_ms: 2000\n  - name: default\n    targets: [dlocal]\n"
        try await Harness.with(routes: routes) { harness in
            let checkout = try #require(harness.stack.checkout)
            for index in 0..<3 {
                checkout.faults.inject(.holdAfterProcessing)
                defer { checkout.faults.releaseHeld() }
                let body = Harness.body(country: "PE", currency: "PEN", value: 100 + index, method: #"{"type":"card","token":"tok_ok"}"#)
                let created = try await harness.call("POST", "/v1/payments", json: body)
                #expect(created.json["connection"] as? String == "checkout", "\(created.text)")
            }
            let connections = try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]] ?? []
            let breaker = connections.first { $0["name"] as? String == "checkout" }?["breaker"] as? [String: Any]
            #expect(breaker?["consecutive_failures"] as? Int == 0, "\(connections)")
            #expect(breaker?["state"] as? String == "closed")
        }
    }

    /// `pasarela reconcile --once` builds its gateway with `Stack.offline`: it tells PSPs the webhook URL the running
    /// gateway serves under (recorded in the database), not the default 127.0.0.1:8080, unless told otherwise.
    @Test func reconcileOnceSendsTheWebhookURLTheGatewayServesUnder() async throws {
        let path = NSTemporaryDirectory() + "pasarela-offline-\(UUID().uuidString).sqlite"
        try await Harness.with(databasePath: path) { harness in
            var options = StackOptions()
            options.database = path
            options.configDirectory = Harness.repositoryRoot
            let served = harness.stack.gateway.live.publicBaseURL
            #expect(!served.hasSuffix(":8080"))
            let offline = try await Stack.offline(options)
            #expect(offline.live.publicBaseURL == served)
            #expect(offline.config.connections["dlocal"]?.context.webhookURL == "\(served)/webhooks/dlocal")
            options.publicURL = "https://pay.example.com"
            #expect(try await Stack.offline(options).live.publicBaseURL == "https://pay.example.com")
        }
    }
}
