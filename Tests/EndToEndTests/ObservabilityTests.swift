import AsyncHTTPClient
import Foundation
import Testing

/// `/metrics` moving with a scripted flow, request ids kept, redacted transcripts of every PSP call, connection alerts
/// from answers that mean the setup is wrong, and the per-connection cap on calls in flight.
@Suite(.serialized) struct ObservabilityTests {
    /// The value of one sample of this process's `/metrics` (0 when absent).
    func sample(_ harness: Harness, _ name: String, _ labels: [String: String]) async throws -> Double {
        Self.sample(try await harness.call("GET", "/metrics").text, name, labels)
    }

    /// The value of one sample line of a Prometheus text (0 when absent).
    static func sample(_ text: String, _ name: String, _ labels: [String: String]) -> Double {
        let wanted = labels.map { "\($0.key)=\"\($0.value)\"" }
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            guard wanted.allSatisfy({ line.contains($0) }) else { continue }
            return Double(line.split(separator: " ").last ?? "0") ?? 0
        }
        return 0
    }

    /// In a gateway process of its own, so no other test moves its counters.
    @Test func metricsMoveWithAScriptedFlow() async throws {
        let folder = NSTemporaryDirectory() + "pasarela-metrics-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let gateway = try PasarelaProcess(["serve", "--port", "0", "--database", folder + "/p.sqlite", "--config", Harness.repositoryRoot,
                                           "--log-format", "json"], folder: folder)
        defer { gateway.stop() }
        let url = try await gateway.url(after: "Pasarela listening on ")
        func metrics() async throws -> String {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/metrics"), timeout: .seconds(10))
            return String(buffer: try await response.body.collect(upTo: 1 << 22))
        }
        let calls = ["connection": "dlocal", "flow": "create", "outcome": "http_2xx"]
        let route = ["http_route": "/v1/payments", "http_request_method": "POST", "http_response_status_code": "201"]
        let before = try await metrics()
        #expect(Self.sample(before, "pasarela_psp_calls_total", calls) == 0)
        let (status, json) = try await CrashRun.post(url + "/v1/payments", CrashRun.body("metrics-1"), key: "metrics-1")
        #expect(status == 201)
        let pspId = try #require(json["psp_payment_id"] as? String), id = try #require(json["id"] as? String)
        _ = try await CrashRun.post(url + "/sandbox/dlocal/payments/\(pspId)/pay", [])
        let after = try await metrics()
        #expect(Self.sample(after, "pasarela_psp_calls_total", calls) == 1)
        #expect(Self.sample(after, "pasarela_attempts_total", ["connection": "dlocal", "outcome": "pending"]) == 1)
        #expect(Self.sample(after, "pasarela_webhooks_total", ["connection": "dlocal", "result": "applied"]) == 1)
        #expect(Self.sample(after, "http_server_request_duration_count", route) == 1)
        #expect(Self.sample(after, "pasarela_psp_call_duration_seconds_count", ["connection": "dlocal", "flow": "create"]) == 1)
        #expect(Self.sample(after, "pasarela_db_commit_duration_seconds_count", ["store": "sqlite"]) >= 3)
        // The one writer's load: every transaction it committed, in groups, and its busy time by phase.
        let transactions = Self.sample(after, "pasarela_sqlite_writer_transactions_total", [:])
            - Self.sample(before, "pasarela_sqlite_writer_transactions_total", [:])
        let groups = Self.sample(after, "pasarela_sqlite_writer_groups_total", [:]) - Self.sample(before, "pasarela_sqlite_writer_groups_total", [:])
        #expect(transactions >= 3 && groups >= 1 && groups <= transactions, "\(transactions) transactions in \(groups) groups")
        #expect(Self.sample(after, "pasarela_sqlite_writer_busy_microseconds_total", ["phase": "commit"]) > 0)
        #expect(Self.sample(after, "pasarela_sqlite_writer_busy_microseconds_total", ["phase": "run"]) > 0)
        #expect(Self.sample(after, "pasarela_breaker_open", ["connection": "dlocal"]) == 0)
        for name in ["pasarela_outbox_pending", "pasarela_outbox_oldest_due_seconds", "pasarela_psp_calls_in_flight"] {
            #expect(after.contains(name), "\(name) missing")
        }
        #expect(!after.contains(id), "no payment id in a label")
        #expect(!after.contains("pedro@example.com"))
        // Every JSON log line of the create carries its request id.
        let log = (try? String(contentsOfFile: gateway.log, encoding: .utf8)) ?? ""
        let attemptLine = log.split(separator: "\n").first { $0.contains("\"message\":\"payment attempt\"") }
        #expect(attemptLine?.contains("\"request_id\":\"req_") == true, "\(attemptLine ?? "no attempt line")")
        #expect(attemptLine?.contains("\"payment\":\"\(id)\"") == true)
    }

    func requestId(_ harness: Harness, sending given: String) async throws -> String? {
        var request = HTTPClientRequest(url: harness.stack.gatewayURL + "/v1/payments?limit=1")
        request.headers.add(name: "Authorization", value: "Bearer \(harness.key)")
        request.headers.add(name: "X-Request-Id", value: given)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.headers.first(name: "X-Request-Id")
    }

    @Test func aCallersRequestIdIsKeptAndOneIsMadeOtherwise() async throws {
        try await Harness.with { harness in
            let kept = try await requestId(harness, sending: "trace-7f3a")
            let made = try await requestId(harness, sending: "not allowed spaces")
            #expect(kept == "trace-7f3a")
            #expect(made?.hasPrefix("req_") == true)
        }
    }

    @Test func everyPSPCallIsKeptAsARedactedTranscript() async throws {
        try await Harness.with { harness in
            let id = try await RefundTests.capturedCard(harness)
            _ = try await harness.call("POST", "/v1/payments/\(id)/refunds", json: #"{"amount":{"value":100,"currency":"PEN"}}"#)
            let payment = try await harness.payment(id)
            let attemptId = try #require((payment["attempts"] as? [[String: Any]])?.first?["id"] as? String)
            let reply = try await harness.call("GET", "/v1/payments/\(id)/attempts/\(attemptId)")
            #expect(reply.status == 200, "\(reply.text)")
            let calls = reply.json["calls"] as? [[String: Any]] ?? []
            #expect(calls.map { $0["flow"] as? String } == ["create", "refund"])
            let create = try #require(calls.first)
            #expect(create["method"] as? String == "POST")
            #expect((create["url"] as? String)?.hasSuffix("/payments") == true)
            #expect(create["status"] as? Int == 201)
            #expect((create["psp_request_id"] as? String)?.hasPrefix("req_") == true, "Cko-Request-Id kept")
            let headers = create["request_headers"] as? [[String] ] ?? []
            #expect(headers.first { $0.first == "Authorization" }?.last == "***")
            let body = create["request_body"] as? String ?? ""
            #expect(!body.contains("tok_visa4242"), "the card token is masked: \(body)")
            #expect(body.contains("****4242"))
            #expect(!reply.text.contains("sk_sbox_"), "no secret key anywhere")
            #expect(!reply.text.contains("ana@example.com"))
            #expect(try await harness.call("GET", "/v1/payments/\(id)/attempts/att_nope").status == 404)
        }
    }

    @Test func aPSPSayingTheSetupIsWrongRaisesAnAlertThatASuccessClears() async throws {
        try await Harness.with { harness in
            let dlocal = try #require(harness.stack.dlocal)
            _ = dlocal.applySetting("unregistered_ip", true)
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect(created.json["connection"] as? String == "pagoefectivo", "the refusal fails over: \(created.text)")
            let connections = try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]] ?? []
            let row = try #require(connections.first { $0["name"] as? String == "dlocal" })
            let alerts = row["alerts"] as? [[String: Any]] ?? []
            #expect(alerts.map { $0["kind"] as? String } == ["ip_not_registered"])
            #expect((alerts.first?["fix"] as? String)?.contains("outbound IP is not registered with dLocal") == true)
            #expect(row["health"] as? String == "degraded")
            #expect(try await sample(harness, "pasarela_connection_alerts_total", ["connection": "dlocal", "kind": "ip_not_registered"]) >= 1)
            _ = dlocal.applySetting("unregistered_ip", false)
            _ = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let after = try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]] ?? []
            #expect((after.first { $0["name"] as? String == "dlocal" }?["alerts"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func callsBeyondAConnectionsCapAreNotSentAndFailOver() async throws {
        let capped: (String) -> String = { $0 + "limits:\n  max_in_flight: 1\n" }
        try await Harness.with(adapterEdit: capped) { harness in
            let dlocal = try #require(harness.stack.dlocal)
            dlocal.replies.hold()
            let first = Task { try await harness.call("POST", "/v1/payments", json: Harness.cashBody()) }
            try await harness.eventually("the first call is held at dLocal") { dlocal.replies.heldCount == 1 }
            let second = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let attempts = second.json["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.first?["failure_class"] as? String == "rate_limited", "\(second.text)")
            #expect((attempts.first?["error"] as? [String: Any])?["code"] as? String == "max_in_flight")
            #expect(second.json["connection"] as? String == "pagoefectivo")
            dlocal.replies.release()
            #expect(try await first.value.json["connection"] as? String == "dlocal")
            #expect(dlocal.ledger.count == 1, "the second was never sent to dLocal")
        }
    }
}
