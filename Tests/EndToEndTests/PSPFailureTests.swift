import Foundation
import PasarelaSandbox
import Testing

/// A PSP that fails, answers garbage or times out never crashes anything: the payment records the attempt.
@Suite struct PSPFailureTests {
    func create(_ harness: Harness) async throws -> [String: Any] {
        let reply = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
        #expect(reply.status == 201, "\(reply.text)")
        return reply.json
    }

    func attempt(_ payment: [String: Any]) -> [String: Any] {
        (payment["attempts"] as? [[String: Any]])?.first ?? [:]
    }

    @Test func aServerErrorFailsOverToTheNextTarget() async throws {
        try await Harness.with { harness in
            harness.stack.dlocal?.faults.inject(.status(500))
            let payment = try await create(harness)
            #expect(payment["status"] as? String == "requires_action")
            #expect(payment["connection"] as? String == "pagoefectivo")
            let attempts = payment["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.map { $0["connection"] as? String } == ["dlocal", "pagoefectivo"])
            #expect(attempts.first?["outcome"] as? String == "failed")
            #expect(attempts.first?["failure_class"] as? String == "http_5xx")
            #expect((attempts.first?["error"] as? [String: Any])?["code"] as? String == "7000")
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)
        }
    }

    @Test func whenEveryTargetFailsThePaymentFailsWithTheReasons() async throws {
        try await Harness.with { harness in
            harness.stack.dlocal?.faults.inject(.status(503))
            harness.stack.pagoefectivo?.faults.inject(.status(500))
            let payment = try await create(harness)
            #expect(payment["status"] as? String == "failed")
            let attempts = payment["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.map { $0["outcome"] as? String } == ["failed", "failed"])
            #expect(attempts.map { $0["failure_class"] as? String } == ["http_5xx", "http_5xx"])
        }
    }

    /// dLocal made the payment but its answer was unreadable: the order lookup finds it before the create answers.
    @Test func garbageAfterProcessingIsFoundByItsOrderId() async throws {
        try await Harness.with { harness in
            harness.stack.dlocal?.faults.inject(.garbage)
            let payment = try await create(harness)
            #expect(payment["status"] as? String == "requires_action", "\(payment)")
            #expect(attempt(payment)["outcome"] as? String == "pending")
            #expect(payment["psp_payment_id"] as? String == harness.stack.dlocal?.ledger.first)
            #expect((payment["next_action"] as? [String: Any])?["type"] as? String == "display_voucher")
            #expect(harness.stack.dlocal?.ledger.count == 1)
        }
    }

    /// A lookup answered with a 503 is asked again at once (it changes nothing): a struggling PSP's next answer settles it.
    @Test func aLookupAnsweredWithA5xxIsAskedOnceMore() async throws {
        try await Harness.with { harness in
            harness.stack.dlocal?.faults.inject(.garbage)
            harness.stack.dlocal?.faults.inject(.status(503))
            let payment = try await create(harness)
            #expect(payment["status"] as? String == "requires_action", "\(payment)")
            let id = try #require(payment["id"] as? String)
            let flows = try await harness.stack.gateway.store.calls(paymentId: id, attemptId: nil).map(\.flow)
            // The create, the order lookup answered 503, the same lookup again, then the payment by its id.
            #expect(flows.sorted() == ["create", "lookup", "lookup", "lookup"], "\(flows)")
        }
    }

    /// The answer is unreadable and so is the lookup: the payment stays processing (never replayed blind, never failed).
    @Test func garbageWhoseLookupFailsTooLeavesThePaymentProcessing() async throws {
        try await Harness.with { harness in
            harness.stack.dlocal?.faults.inject(.garbage)
            harness.stack.dlocal?.faults.inject(.status(503), times: 2)
            let payment = try await create(harness)
            #expect(payment["status"] as? String == "processing")
            #expect(attempt(payment)["outcome"] as? String == "unknown")
            #expect(harness.stack.dlocal?.ledger.count == 1)
            // The gateway is still healthy.
            #expect(try await create(harness)["status"] as? String == "requires_action")
        }
    }

    @Test func aTimeoutAfterTheRequestWasSentIsAmbiguousUntilThePSPSays() async throws {
        let shortTimeout: (String) -> String = { $0.replacingOccurrences(of: "request_ms: 15000", with: "request_ms: 2000") }
        try await Harness.with(adapterEdit: shortTimeout) { harness in
            harness.stack.dlocal?.faults.inject(.holdAfterProcessing)
            harness.stack.dlocal?.faults.inject(.status(503), times: 2)
            defer { harness.stack.dlocal?.faults.releaseHeld() }
            let payment = try await create(harness)
            #expect(payment["status"] as? String == "processing")
            #expect(attempt(payment)["outcome"] as? String == "unknown")
            #expect(attempt(payment)["failure_class"] as? String == "timeout")
            #expect(harness.stack.dlocal?.ledger.count == 1)
        }
    }

    @Test func anUnreachablePSPIsNotCreatedAndFailsOver() async throws {
        // This connection keeps its own sandbox URL instead of the emulator: a closed loopback port.
        let closedPort: (String) -> String = {
            $0.replacingOccurrences(of: "sandbox: https://sandbox.dlocal.com", with: "sandbox: http://127.0.0.1:9")
                .replacingOccurrences(of: "environment: sandbox", with: "environment: sandbox\nsandbox_emulator: none")
        }
        try await Harness.with(adapterEdit: closedPort) { harness in
            let payment = try await create(harness)
            #expect(attempt(payment)["outcome"] as? String == "failed")
            #expect(attempt(payment)["failure_class"] as? String == "connection_error")
            // Nothing was created at dLocal, so the payment moved on to PagoEfectivo.
            #expect(payment["status"] as? String == "requires_action")
            #expect(payment["connection"] as? String == "pagoefectivo")
        }
    }
}

/// Test keys never reach production connections, and live keys never reach sandbox ones.
@Suite struct KeyModeTests {
    @Test func testKeysReachOnlySandboxConnectionsAndLiveKeysOnlyProductionOnes() async throws {
        let production: (String) -> String = {
            $0.replacingOccurrences(of: "environment: sandbox", with: "environment: production")
                .replacingOccurrences(of: "production: https://api.dlocal.com", with: "production: http://127.0.0.1:9")
        }
        let env = ["DLOCAL_X_LOGIN": "l", "DLOCAL_X_TRANS_KEY": "t", "DLOCAL_SECRET_KEY": "s",
                   "PASARELA_API_KEYS": "merchant_live:sk_live_0123456789abcdef"]
        try await Harness.with(adapterEdit: production, environment: env) { harness in
            // The test key: dLocal (production now) is skipped, PagoEfectivo (sandbox) takes it.
            let test = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect(test.json["connection"] as? String == "pagoefectivo")
            #expect((test.json["attempts"] as? [[String: Any]])?.count == 1)
            let explain = try await harness.call("POST", "/v1/routing/explain",
                                                 json: #"{"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"}}"#)
            #expect(((explain.json["skipped"] as? [[String: Any]])?.first?["reason"] as? String)?.hasPrefix("test keys reach only sandbox") == true)
            // The live key: only dLocal (production) is eligible.
            let live = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(),
                                              headers: [("Authorization", "Bearer sk_live_0123456789abcdef")])
            #expect(live.json["livemode"] as? Bool == true)
            #expect((live.json["attempts"] as? [[String: Any]])?.map { $0["connection"] as? String } == ["dlocal"])
            #expect(harness.stack.pagoefectivo?.ledger.count == 1)
        }
    }
}
