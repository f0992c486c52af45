import Foundation
import PasarelaAdapters
import PasarelaCore
import Testing

/// PagoEfectivo's CIP API through the generic adapter, against the hand-written PagoEfectivo emulator.
@Suite struct PagoEfectivoDirectFlowTests {
    static let routes = "routes:\n  - name: peru-cash\n    match: { country: PE, method: cash }\n    targets: [pagoefectivo]\n  - name: default\n    targets: [dlocal]\n"

    @Test func aCIPGoesFromVoucherToSucceeded() async throws {
        try await Harness.with(routes: Self.routes) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(value: 20101))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["connection"] as? String == "pagoefectivo")
            #expect(created.json["status"] as? String == "requires_action")
            let action = try #require(created.json["next_action"] as? [String: Any])
            let cip = try #require(action["code"] as? String)
            #expect(Int(cip) != nil)
            #expect(created.json["psp_payment_id"] as? String == cip)
            let expires = try #require(action["expires_at"] as? String)
            #expect(expires.hasSuffix("-05:00"))
            #expect(abs(try #require(Timestamps.parse(expires)).timeIntervalSinceNow - 86400) < 120)
            #expect((action["voucher_url"] as? String)?.contains("/cip/\(cip).html") == true)
            let paid = try await harness.call("POST", "/sandbox/pagoefectivo/cips/\(cip)/pay")
            #expect(paid.status == 200, "\(paid.text)")
            #expect((paid.json["notification"] as? [String: Any])?["status"] as? Int == 200)
            let id = try #require(created.json["id"] as? String)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")
        }
    }

    @Test func anUnpaidCIPExpires() async throws {
        try await Harness.with(routes: Self.routes) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let cip = try #require(created.json["psp_payment_id"] as? String)
            let expired = try await harness.call("POST", "/sandbox/pagoefectivo/cips/\(cip)/expire")
            #expect(expired.status == 200)
            // An expiry has no payment date (nothing was paid): the callback is judged by its dedupe key and the status
            // order, and taken (it was refused 401 while freshness read paymentDate from every callback).
            #expect((expired.json["notification"] as? [String: Any])?["status"] as? Int == 200, "\(expired.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "expired")
        }
    }

    @Test func theTokenIsExchangedOnceAndReused() async throws {
        try await Harness.with(routes: Self.routes) { harness in
            for _ in 0..<3 {
                let reply = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
                #expect(reply.json["status"] as? String == "requires_action")
            }
            #expect(harness.stack.pagoefectivo?.authorizations == 1)
            #expect(await harness.stack.gateway.psp.tokenExchanges(for: "pagoefectivo") == 1)
            // The exchange is kept with the payment whose call needed it, redacted like every call.
            let first = try await harness.call("GET", "/v1/payments?limit=3").json["data"] as? [[String: Any]] ?? []
            var flows: [String] = []
            for payment in first.reversed() {
                let id = try #require(payment["id"] as? String)
                let attempt = try #require((payment["attempts"] as? [[String: Any]])?.first?["id"] as? String)
                let calls = try await harness.call("GET", "/v1/payments/\(id)/attempts/\(attempt)").json["calls"] as? [[String: Any]] ?? []
                flows += calls.compactMap { $0["flow"] as? String }
                for call in calls where call["flow"] as? String == "token" {
                    #expect((call["response_body"] as? String)?.contains("eyJ") == false, "\(call)")
                }
            }
            #expect(flows == ["token", "create", "create", "create"])
        }
    }

    @Test func aTokenCloseToExpiryIsReplacedBeforeUse() async throws {
        try await Harness.with(routes: Self.routes) { harness in
            // Tokens of 200 s are always inside the 300 s refresh margin of adapters/pagoefectivo.yaml.
            harness.stack.pagoefectivo?.setTokenLifetime(200)
            for _ in 0..<2 {
                let reply = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
                #expect(reply.json["status"] as? String == "requires_action")
            }
            #expect(harness.stack.pagoefectivo?.authorizations == 2)
        }
    }

    @Test func concurrentPaymentsShareOneTokenRequest() async throws {
        try await Harness.with(routes: Self.routes) { harness in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 { group.addTask { try await harness.call("POST", "/v1/payments", json: Harness.cashBody()).status } }
                for try await status in group { #expect(status == 201) }
            }
            #expect(harness.stack.pagoefectivo?.authorizations == 1)
            #expect(harness.stack.pagoefectivo?.ledger.count == 6)
        }
    }

    @Test func aRefusedTokenRequestFailsOverWithoutACIP() async throws {
        let routes = "routes:\n  - name: peru-cash\n    match: { country: PE, method: cash }\n    targets: [pagoefectivo, dlocal]\n  - name: default\n    targets: [dlocal]\n"
        try await Harness.with(routes: routes) { harness in
            harness.stack.pagoefectivo?.faults.inject(.status(401))
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let attempts = created.json["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.map { $0["connection"] as? String } == ["pagoefectivo", "dlocal"])
            #expect(((attempts.first?["error"] as? [String: Any])?["message"] as? String)?.contains("token exchange failed") == true)
            #expect(created.json["connection"] as? String == "dlocal")
            #expect(harness.stack.pagoefectivo?.ledger.isEmpty == true)
            // The exchange went the way of every PSP call: counted, alerted on, its transcript kept with the attempt.
            let metrics = try await harness.call("GET", "/metrics").text
            #expect(ObservabilityTests.sample(metrics, "pasarela_psp_calls_total", ["connection": "pagoefectivo", "flow": "token", "outcome": "http_4xx"]) >= 1)
            let connections = try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]] ?? []
            let row = try #require(connections.first { $0["name"] as? String == "pagoefectivo" })
            #expect((row["alerts"] as? [[String: Any]] ?? []).map { $0["kind"] as? String } == ["credentials"])
            let id = try #require(created.json["id"] as? String), first = try #require(attempts.first?["id"] as? String)
            let calls = try await harness.call("GET", "/v1/payments/\(id)/attempts/\(first)").json["calls"] as? [[String: Any]] ?? []
            #expect(calls.map { $0["flow"] as? String } == ["token"])
            #expect(calls.first?["status"] as? Int == 401)
        }
    }

    @Test func forgedCallbacksChangeNothing() async throws {
        try await Harness.with(routes: Self.routes) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let cip = try #require(created.json["psp_payment_id"] as? String)
            let id = try #require(created.json["id"] as? String)
            let body = Array(#"{"eventType":"cip.paid","operationNumber":"000001","data":{"cip":\#(cip),"currency":"PEN","amount":150.00,"paymentDate":"\#(Timestamps.lima(Date()))","transactionCode":"x"}}"#.utf8)
            for headers in [[], [("PE-Signature", PagoEfectivoSignature.signature(body: body, secretKey: "SECRETKEYGUESS"))],
                            [("PE-Signature", "not-hex")]] {
                #expect(try await harness.call("POST", "/webhooks/pagoefectivo", body: body, headers: headers).status == 401)
            }
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "requires_action")
            // The same body signed with the real key is applied; a signed body without the declared fields is 400.
            let genuine = PagoEfectivoSignature.signature(body: body, secretKey: "SECRETKEYSANDBOX")
            #expect(try await harness.call("POST", "/webhooks/pagoefectivo", body: body, headers: [("PE-Signature", genuine)]).status == 200)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")
            let junk = Array(#"{"hello":"world"}"#.utf8)
            let junkSigned = PagoEfectivoSignature.signature(body: junk, secretKey: "SECRETKEYSANDBOX")
            #expect(try await harness.call("POST", "/webhooks/pagoefectivo", body: junk, headers: [("PE-Signature", junkSigned)]).status == 400)
        }
    }
}
