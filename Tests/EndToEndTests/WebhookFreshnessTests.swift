import Foundation
import PasarelaAdapters
import PasarelaCore
import Testing

/// A genuine signature is not enough: its signed time must be fresh (dLocal's `X-Date`, PagoEfectivo's `paymentDate`,
/// 300 s either way unless `webhook.freshness_seconds` says otherwise), and a replay within the window changes nothing.
@Suite struct WebhookFreshnessTests {
    func dlocal(_ harness: Harness, _ body: [UInt8], signedAt date: String) async throws -> Harness.Reply {
        let signature = DLocalSignature.authorization(login: DLocalEmulatorDefaults.login, date: date, body: body, secretKey: DLocalEmulatorDefaults.secret)
        return try await harness.call("POST", "/webhooks/dlocal", body: body, headers: [("X-Date", date), ("Authorization", signature)])
    }

    func paid(_ pspId: String) -> [UInt8] {
        Array(#"{"id":"\#(pspId)","amount":150.00,"currency":"PEN","status":"PAID","status_code":"200"}"#.utf8)
    }

    @Test func staleAndFutureDLocalSignaturesAreRefusedAndCounted() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            for date in ["2001-01-01T00:00:00Z", Timestamps.utcMillis(Date().addingTimeInterval(-301)),
                         Timestamps.utcMillis(Date().addingTimeInterval(3600)), "yesterday"] {
                let reply = try await dlocal(harness, paid(pspId), signedAt: date)
                #expect(reply.status == 401, "\(date): \(reply.text)")
                #expect(reply.error["code"] as? String == "signature_stale", "\(date)")
            }
            #expect(try await harness.payment(id)["status"] as? String == "requires_action")
            let connections = try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]] ?? []
            let counts = connections.first { $0["name"] as? String == "dlocal" }?["webhooks"] as? [String: Any]
            #expect(counts?["refused"] as? Int == 4)
            // Fresh, it applies; the same notification again is a duplicate that changes nothing.
            let fresh = Timestamps.utcMillis(Date())
            #expect(try await dlocal(harness, paid(pspId), signedAt: fresh).status == 200)
            let replay = try await dlocal(harness, paid(pspId), signedAt: fresh)
            #expect(replay.json["results"] as? [String] == ["duplicate"])
            #expect(try await harness.eventTypes(id).filter { $0 == "payment.succeeded" }.count == 1)
        }
    }

    @Test func theWindowIsPerConnection() async throws {
        let wide: (String) -> String = { $0 + "webhook:\n  freshness_seconds: 7200\n" }
        try await Harness.with(adapterEdit: wide) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            #expect(try await dlocal(harness, paid(pspId), signedAt: Timestamps.utcMillis(Date().addingTimeInterval(-3600))).status == 200)
        }
    }

    @Test func aStalePagoEfectivoCallbackIsRefused() async throws {
        try await Harness.with(routes: PagoEfectivoDirectFlowTests.routes) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let cip = try #require(created.json["psp_payment_id"] as? String)
            let id = try #require(created.json["id"] as? String)
            func callback(_ date: Date) -> [UInt8] {
                Array(#"{"eventType":"cip.paid","operationNumber":"000001","data":{"cip":\#(cip),"currency":"PEN","amount":150.00,"paymentDate":"\#(Timestamps.lima(date))","transactionCode":"x"}}"#.utf8)
            }
            let old = callback(Date().addingTimeInterval(-3600))
            let refused = try await harness.call("POST", "/webhooks/pagoefectivo", body: old,
                                                 headers: [("PE-Signature", PagoEfectivoSignature.signature(body: old, secretKey: "SECRETKEYSANDBOX"))])
            #expect(refused.status == 401)
            #expect(refused.error["code"] as? String == "signature_stale")
            #expect(try await harness.payment(id)["status"] as? String == "requires_action")
            let now = callback(Date())
            #expect(try await harness.call("POST", "/webhooks/pagoefectivo", body: now,
                                           headers: [("PE-Signature", PagoEfectivoSignature.signature(body: now, secretKey: "SECRETKEYSANDBOX"))]).status == 200)
        }
    }

    /// Checkout signs the whole body, `created_on` included: an old event under a new `evt_` id (which dedupe cannot
    /// catch) is refused like a stale dLocal notification.
    @Test func aStaleCheckoutEventIsRefusedWhateverItsId() async throws {
        try await Harness.with { harness in
            let body = Harness.body(country: "PE", currency: "PEN", value: 5000, method: #"{"type":"card","token":"tok_visa4242"}"#)
                .replacingOccurrences(of: #""description":"Pedido""#, with: #""description":"Pedido","capture":"manual""#)
            let created = try await harness.call("POST", "/v1/payments", json: body)
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            try await harness.eventually("the approval webhook") { try await harness.eventTypes(id) == ["payment.authorized"] }
            func event(_ createdOn: String) -> [UInt8] {
                Array(#"{"id":"evt_\#(UUID().uuidString.lowercased().prefix(26))","type":"payment_canceled","version":"1.0.9","created_on":"\#(createdOn)","data":{"id":"\#(pspId)","amount":5000,"currency":"PEN"}}"#.utf8)
            }
            func post(_ body: [UInt8]) async throws -> Harness.Reply {
                try await harness.call("POST", "/webhooks/checkout", body: body,
                                       headers: [("Cko-Signature", CheckoutSignature.signature(body: body, key: "whsec_pasarela_sandbox"))])
            }
            for createdOn in [Timestamps.utcMillis(Date().addingTimeInterval(-3600)), "2021-06-11T12:01:26.316+00:00", "last week"] {
                let refused = try await post(event(createdOn))
                #expect(refused.status == 401, "\(createdOn): \(refused.text)")
                #expect(refused.error["code"] as? String == "signature_stale")
            }
            #expect(try await harness.payment(id)["status"] as? String == "authorized")
            let fresh = try await post(event(Timestamps.utcMillis(Date())))
            #expect(fresh.status == 200, "\(fresh.text)")
            #expect(try await harness.payment(id)["status"] as? String == "canceled")
        }
    }

    @Test func aForwardedAddressFromACallerThatIsNoTrustedProxyIsIgnored() async throws {
        // The caller (127.0.0.1) is not the trusted proxy: its X-Forwarded-For naming an allowed address proves nothing.
        let allowList: (String) -> String = { $0 + "webhook:\n  allow_ips: [203.0.113.0/24]\n  trusted_proxies: [192.0.2.10/32]\n  client_ip_header: X-Forwarded-For\n" }
        try await Harness.with(adapterEdit: allowList) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            let body = paid(pspId), date = Timestamps.utcMillis(Date())
            let signature = DLocalSignature.authorization(login: DLocalEmulatorDefaults.login, date: date, body: body, secretKey: DLocalEmulatorDefaults.secret)
            let reply = try await harness.call("POST", "/webhooks/dlocal", body: body,
                                               headers: [("X-Date", date), ("Authorization", signature), ("X-Forwarded-For", "203.0.113.9")])
            #expect(reply.status == 403)
            #expect(try await harness.payment(id)["status"] as? String == "requires_action")
        }
    }

    @Test(arguments: [("tok_decline_40101", "risk", 1), ("tok_decline_30004", "hard", 1), ("tok_decline_20051", "soft", 2)])
    func onlyASoftDeclineFailsOverWhenTheRuleAllowsIt(token: String, decline: String, attempts expected: Int) async throws {
        // Two Checkout accounts, so the card token is good at both; the rule fails over on soft declines.
        let routes = "routes:\n  - name: cards\n    match: { method: card }\n    targets: [checkout, checkout_b]\n    failover_on: [soft_decline, http_5xx, timeout, connection_error]\n  - name: default\n    targets: [dlocal]\n"
        try await Harness.with(routes: routes, extraAdapters: ["checkout_b": try AmbiguousOutcomeTests.secondCheckout()]) { harness in
            let body = Harness.body(country: "PE", currency: "PEN", value: 5000, method: #"{"type":"card","token":"\#(token)"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: body)
            let attempts = created.json["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.count == expected, "\(decline): \(attempts)")
            #expect(attempts.allSatisfy { $0["decline_class"] as? String == decline })
            #expect(created.json["status"] as? String == "failed")
        }
    }
}
