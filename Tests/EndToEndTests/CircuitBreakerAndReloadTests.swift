import Foundation
import Testing

/// Circuit breakers, explain, connections and hot reload over loopback.
@Suite struct CircuitBreakerAndReloadTests {
    static func quickBreaker(_ text: String) -> String {
        text + "breaker:\n  consecutive_failures: 2\n  cooldown_ms: 60000\n"
    }

    func connection(_ harness: Harness, _ name: String) async throws -> [String: Any] {
        let list = try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]] ?? []
        return try #require(list.first { $0["name"] as? String == name })
    }

    func breakerState(_ harness: Harness, _ name: String) async throws -> String? {
        (try await connection(harness, name)["breaker"] as? [String: Any])?["state"] as? String
    }

    @Test func theBreakerOpensSkipsProbesAndCloses() async throws {
        try await Harness.with(adapterEdit: Self.quickBreaker) { harness in
            #expect(try await breakerState(harness, "dlocal") == "closed")
            harness.stack.dlocal?.faults.inject(.status(503), times: 2)
            for _ in 0..<2 {
                let reply = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
                #expect(reply.json["connection"] as? String == "pagoefectivo")
            }
            let open = try await connection(harness, "dlocal")
            #expect((open["breaker"] as? [String: Any])?["state"] as? String == "open")
            #expect(open["health"] as? String == "down")

            // While open, dLocal is skipped without being called, and explain says why.
            let skipped = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect((skipped.json["attempts"] as? [[String: Any]])?.map { $0["connection"] as? String } == ["pagoefectivo"])
            let explain = try await harness.call("POST", "/v1/routing/explain",
                                                 json: #"{"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"}}"#)
            let reasons = explain.json["skipped"] as? [[String: Any]] ?? []
            #expect((reasons.first?["reason"] as? String)?.hasPrefix("circuit breaker open") == true)
            #expect(explain.json["chain"] as? [String] == ["pagoefectivo"])
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)

            // After the cooldown (the gateway's clock moved past it) one probe goes through; it succeeds and the breaker closes.
            harness.clock.advance(by: 61)
            #expect(try await breakerState(harness, "dlocal") == "half_open")
            let probe = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect(probe.json["connection"] as? String == "dlocal")
            #expect(try await breakerState(harness, "dlocal") == "closed")
        }
    }

    @Test func aFailedProbeReopensTheBreaker() async throws {
        try await Harness.with(adapterEdit: Self.quickBreaker) { harness in
            harness.stack.dlocal?.faults.inject(.status(500), times: 3)
            for _ in 0..<2 { _ = try await harness.call("POST", "/v1/payments", json: Harness.cashBody()) }
            harness.clock.advance(by: 61)
            let probe = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect((probe.json["attempts"] as? [[String: Any]])?.first?["failure_class"] as? String == "http_5xx")
            #expect(try await breakerState(harness, "dlocal") == "open")
        }
    }

    @Test func explainTellsTheRuleTheChainAndWhatWasSkipped() async throws {
        try await Harness.with { harness in
            let card = try await harness.call("POST", "/v1/routing/explain",
                                              json: #"{"amount":{"value":9990,"currency":"PEN"},"country":"PE","payment_method":{"type":"card","token":"tok_x"}}"#)
            #expect(card.status == 200)
            #expect(card.json["rule"] as? String == "cards")
            // A Checkout token reaches Checkout only: dLocal cannot charge a card Checkout tokenized, and explain says so.
            #expect(card.json["chain"] as? [String] == ["checkout"])
            let skipped = (card.json["skipped"] as? [[String: Any]])?.first
            #expect(skipped?["connection"] as? String == "dlocal")
            #expect((skipped?["reason"] as? String)?.contains("the card token was not issued by dlocal") == true)
            #expect((card.json["not_matched"] as? [[String: Any]])?.map { $0["rule"] as? String } == ["peru-cash", "peru-bank-transfer"])
            let transfer = try await harness.call("POST", "/v1/routing/explain",
                                                  json: #"{"amount":{"value":9990,"currency":"BRL"},"country":"BR","payment_method":{"type":"bank_transfer"}}"#)
            #expect(transfer.json["rule"] as? String == "default")
            #expect(transfer.json["chain"] as? [String] == [])
            #expect(((transfer.json["skipped"] as? [[String: Any]])?.first?["reason"] as? String)?.contains("does not declare bank_transfer") == true)
            let bad = try await harness.call("POST", "/v1/routing/explain", json: #"{"amount":{"value":0,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"}}"#)
            #expect(bad.status == 422)
            #expect(bad.error["param"] as? String == "amount.value")
            // Explain calls no PSP.
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)
            #expect(harness.stack.checkout?.ledger.isEmpty == true)
        }
    }

    func explainPeruCash(_ harness: Harness) async throws -> [String: Any] {
        try await harness.call("POST", "/v1/routing/explain",
                               json: #"{"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"}}"#).json
    }

    @Test func aValidReloadTakesEffectAndAnInvalidOneLeavesTheOldConfigLive() async throws {
        try await Harness.with(copyConfig: true) { harness in
            let folder = harness.stack.watcher.directory
            let before = try await explainPeruCash(harness)
            #expect(before["chain"] as? [String] == ["dlocal", "pagoefectivo"])
            let first = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect(first.json["config_version"] as? String == before["config_version"] as? String)

            let swapped = try String(contentsOfFile: folder + "/routes.yaml", encoding: .utf8)
                .replacingOccurrences(of: "targets: [dlocal, pagoefectivo]", with: "targets: [pagoefectivo, dlocal]")
            try swapped.write(toFile: folder + "/routes.yaml", atomically: true, encoding: .utf8)
            guard case .success(let version) = harness.stack.watcher.reload() else {
                Issue.record("a valid file was refused")
                return
            }
            let after = try await explainPeruCash(harness)
            #expect(after["chain"] as? [String] == ["pagoefectivo", "dlocal"])
            #expect(after["config_version"] as? String == version)
            #expect(version != before["config_version"] as? String)
            let second = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect(second.json["connection"] as? String == "pagoefectivo")
            #expect(second.json["config_version"] as? String == version)

            try "routes:\n  - name: broken\n    targets: [nowhere]\n".write(toFile: folder + "/routes.yaml", atomically: true, encoding: .utf8)
            guard case .failure(let error) = harness.stack.watcher.reload() else {
                Issue.record("an invalid file was accepted")
                return
            }
            #expect(error.problems.first?.description.hasPrefix("routes.yaml:3:15: unknown connection 'nowhere'") == true)
            #expect(try await explainPeruCash(harness)["config_version"] as? String == version)
            #expect(try await harness.call("POST", "/v1/payments", json: Harness.cashBody()).json["connection"] as? String == "pagoefectivo")
        }
    }

    @Test func editingTheFileReloadsItWithoutASignal() async throws {
        try await Harness.with(copyConfig: true) { harness in
            let folder = harness.stack.watcher.directory
            let swapped = try String(contentsOfFile: folder + "/routes.yaml", encoding: .utf8)
                .replacingOccurrences(of: "targets: [dlocal, pagoefectivo]", with: "targets: [pagoefectivo]")
            try swapped.write(toFile: folder + "/routes.yaml", atomically: true, encoding: .utf8)
            var chain: [String]?
            for _ in 0..<40 {
                chain = try await explainPeruCash(harness)["chain"] as? [String]
                if chain == ["pagoefectivo"] { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(chain == ["pagoefectivo"])
        }
    }
}
