import Foundation
import Testing

/// A timeout after the request was sent must never lead to a second live charge: Pasarela settles it at the same
/// PSP (identical replay or lookup) and moves on only when the PSP says the payment does not exist.
@Suite struct AmbiguousOutcomeTests {
    /// A timeout the held call always reaches, and the calls after it never do, however loaded the machine.
    static func shortTimeout(_ text: String) -> String { text.replacingOccurrences(of: "request_ms: 15000", with: "request_ms: 2000") }

    /// dLocal made the payment and its answer was lost: the order lookup finds it, voucher and all, before the create
    /// answers. Nothing is sent twice and nothing fails over.
    @Test func aTimeoutAfterDLocalCreatedThePaymentIsFoundByItsOrder() async throws {
        try await Harness.with(adapterEdit: Self.shortTimeout) { harness in
            let dlocal = try #require(harness.stack.dlocal)
            dlocal.faults.inject(.holdAfterProcessing)
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            dlocal.faults.releaseHeld()
            #expect(created.json["status"] as? String == "requires_action", "\(created.text)")
            #expect((created.json["next_action"] as? [String: Any])?["code"] as? String != nil)
            #expect(created.json["psp_payment_id"] as? String == dlocal.ledger.first)
            let attempts = created.json["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.count == 1)
            #expect(attempts.first?["outcome"] as? String == "pending")
            #expect(dlocal.ledger.count == 1)
            #expect(harness.stack.pagoefectivo?.ledger.isEmpty == true)
            let id = try #require(created.json["id"] as? String)
            let calls = try await harness.stack.gateway.store.calls(paymentId: id, attemptId: nil)
            // The create, the order lookup and the payment lookup; no replay.
            #expect(calls.map(\.flow).sorted() == ["create", "lookup", "lookup"])
        }
    }

    /// The original create was still on its way when its order was looked up (404), so the same create went again; the
    /// original got there first and the repeat was refused with 5009: dLocal holds the payment, which is looked up by its
    /// order, never taken for "not created".
    @Test func aReplayRefusedAsARepeatIsLookedUpByItsOrder() async throws {
        let timeout: (String) -> String = { $0.replacingOccurrences(of: "request_ms: 15000", with: "request_ms: 5000") }
        try await Harness.with(adapterEdit: timeout) { harness in
            let dlocal = try #require(harness.stack.dlocal)
            // The original and the replay are both held before dLocal processes them.
            dlocal.faults.inject(.holdBeforeProcessing, times: 2)
            let creating = Task { try await harness.call("POST", "/v1/payments", json: Harness.cashBody()) }
            try await harness.eventually("the original and the replay held", seconds: 30) { dlocal.faults.heldCount == 2 }
            // The original first: dLocal makes the payment. Then the replay: refused as a repeated order id.
            #expect(dlocal.faults.releaseHeld(count: 1) == 1)
            try await harness.eventually("the original processed") { dlocal.ledger.count == 1 }
            #expect(dlocal.faults.releaseHeld() == 1)
            let created = try await creating.value
            #expect(created.json["status"] as? String == "requires_action", "\(created.text)")
            #expect(created.json["psp_payment_id"] as? String == dlocal.ledger.first)
            #expect(dlocal.ledger.count == 1)
            #expect(harness.stack.pagoefectivo?.ledger.isEmpty == true)
        }
    }

    @Test func aTimeoutBeforeDLocalProcessedIsSettledByTheReplayWithOneCharge() async throws {
        try await Harness.with(adapterEdit: Self.shortTimeout) { harness in
            let dlocal = try #require(harness.stack.dlocal)
            // The original is held before dLocal processes it, however long the gateway takes to give up on it.
            dlocal.faults.inject(.holdBeforeProcessing)
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            // The replay reached dLocal first and created the one payment; the held original is refused as a duplicate.
            #expect(created.json["status"] as? String == "requires_action", "\(created.text)")
            #expect(created.json["connection"] as? String == "dlocal")
            dlocal.replies.hold()
            #expect(dlocal.faults.releaseHeld() == 1)
            try await harness.eventually("the original is processed") { dlocal.replies.heldCount == 1 }
            #expect(dlocal.ledger.count == 1)
            dlocal.replies.open()
            #expect(harness.stack.pagoefectivo?.ledger.isEmpty == true)
        }
    }

    @Test func aCheckoutTimeoutIsReplayedWithTheSameIdempotencyKey() async throws {
        let shortCheckout: (String) -> String = { $0 }
        let routes = "routes:\n  - name: cards\n    match: { method: card }\n    targets: [checkout, dlocal]\n    timeout_ms: 2000\n  - name: default\n    targets: [dlocal]\n"
        try await Harness.with(adapterEdit: shortCheckout, routes: routes) { harness in
            harness.stack.checkout?.faults.inject(.holdAfterProcessing)
            defer { harness.stack.checkout?.faults.releaseHeld() }
            // Captures wait, so the payment is still authorized when the create answers.
            harness.stack.checkout?.captures.hold()
            defer { harness.stack.checkout?.captures.open() }
            let body = Harness.body(country: "PE", currency: "PEN", value: 5000, method: #"{"type":"card","token":"tok_abc"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: body)
            #expect(created.json["status"] as? String == "authorized", "\(created.text)")
            #expect(created.json["connection"] as? String == "checkout")
            #expect(harness.stack.checkout?.ledger.count == 1)
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)
        }
    }

    static let peFirst = "routes:\n  - name: peru-cash\n    match: { country: PE, method: cash }\n    targets: [pagoefectivo, dlocal]\n    timeout_ms: 2000\n  - name: default\n    targets: [dlocal]\n"

    @Test func aPagoEfectivoTimeoutAfterTheCIPIsFoundBySearchNeverASecondCIP() async throws {
        try await Harness.with(routes: Self.peFirst) { harness in
            harness.stack.pagoefectivo?.faults.inject(.holdAfterProcessing)
            defer { harness.stack.pagoefectivo?.faults.releaseHeld() }
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            // The answer was late; a search by transactionCode found the CIP.
            #expect(created.json["status"] as? String == "requires_action", "\(created.text)")
            #expect((created.json["attempts"] as? [[String: Any]])?.count == 1)
            #expect(harness.stack.pagoefectivo?.ledger.count == 1)
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)
        }
    }

    @Test func aPagoEfectivoTimeoutWhoseSearchFailsStaysUnknownNeverASecondCIP() async throws {
        try await Harness.with(routes: Self.peFirst) { harness in
            harness.stack.pagoefectivo?.faults.inject(.holdAfterProcessing)
            defer { harness.stack.pagoefectivo?.faults.releaseHeld() }
            harness.stack.pagoefectivo?.faults.inject(.status(503), times: 2)
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            // No search answer, and the replay was refused as a duplicate: the CIP exists, unknown to Pasarela yet.
            #expect(created.json["status"] as? String == "processing", "\(created.text)")
            #expect((created.json["attempts"] as? [[String: Any]])?.count == 1)
            #expect(harness.stack.pagoefectivo?.ledger.count == 1)
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)
        }
    }

    /// A second Checkout account (its own emulator): a Checkout card token is good at both.
    static func secondCheckout() throws -> String {
        try String(contentsOfFile: Harness.repositoryRoot + "/adapters/checkout.yaml", encoding: .utf8)
    }

    @Test func aSoftDeclineFailsOverOnlyWhenTheRuleSaysSo() async throws {
        let routes = "routes:\n  - name: cards\n    match: { method: card }\n    targets: [checkout, checkout_b]\n    failover_on: [soft_decline, http_5xx]\n  - name: default\n    targets: [dlocal]\n"
        try await Harness.with(routes: routes, extraAdapters: ["checkout_b": try Self.secondCheckout()]) { harness in
            let soft = Harness.body(country: "PE", currency: "PEN", value: 5000, method: #"{"type":"card","token":"tok_decline_20051"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: soft)
            let attempts = created.json["attempts"] as? [[String: Any]] ?? []
            // The token declines at the second account too (the emulators decline by token): one failover, no more.
            #expect(attempts.map { $0["connection"] as? String } == ["checkout", "checkout_b"], "\(created.text)")
            #expect(attempts.map { $0["outcome"] as? String } == ["declined", "declined"])
            #expect(created.json["status"] as? String == "failed")
            let hard = Harness.body(country: "PE", currency: "PEN", value: 5000, method: #"{"type":"card","token":"tok_decline_30004"}"#)
            let refused = try await harness.call("POST", "/v1/payments", json: hard)
            #expect((refused.json["attempts"] as? [[String: Any]])?.count == 1)
            #expect(refused.json["status"] as? String == "failed")
        }
    }

    @Test func aCardTokenIsNeverSentToAConnectionThatDidNotIssueIt() async throws {
        try await Harness.with { harness in
            harness.stack.checkout?.faults.inject(.status(503))
            let card = Harness.body(country: "PE", currency: "PEN", value: 5000, method: #"{"type":"card","token":"tok_4gzeau5o2uqubbk6fufs3m7p54"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: card)
            // Checkout is down, and dLocal cannot charge a Checkout token: the payment fails rather than leak it.
            #expect((created.json["attempts"] as? [[String: Any]])?.map { $0["connection"] as? String } == ["checkout"], "\(created.text)")
            #expect(created.json["status"] as? String == "failed")
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)
            // A dLocal token goes to dLocal, never to Checkout.
            let dlocalCard = Harness.body(country: "PE", currency: "PEN", value: 5000, method: #"{"type":"card","token":"CV-1f3a"}"#)
            let viaDLocal = try await harness.call("POST", "/v1/payments", json: dlocalCard)
            #expect(viaDLocal.json["connection"] as? String == "dlocal", "\(viaDLocal.text)")
            #expect(harness.stack.checkout?.ledger.isEmpty == true)
        }
    }

    @Test func maxAttemptsBoundsTheChain() async throws {
        let routes = "routes:\n  - name: peru-cash\n    match: { country: PE, method: cash }\n    targets: [dlocal, pagoefectivo]\n    max_attempts: 1\n  - name: default\n    targets: [dlocal]\n"
        try await Harness.with(routes: routes) { harness in
            harness.stack.dlocal?.faults.inject(.status(503))
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect(created.json["status"] as? String == "failed")
            #expect((created.json["attempts"] as? [[String: Any]])?.count == 1)
            #expect(harness.stack.pagoefectivo?.ledger.isEmpty == true)
        }
    }
}
