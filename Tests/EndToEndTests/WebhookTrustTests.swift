import Foundation
import PasarelaAdapters
import PasarelaCore
import Testing

/// The webhook path a merchant can trust blindly: duplicates applied once, reordering and late events never
/// regress a payment, forged or disallowed webhooks change nothing, orphans are kept, amount mismatches flagged.
@Suite struct WebhookTrustTests {
    static let peruCashToPagoEfectivo = "routes:\n  - name: peru-cash\n    match: { country: PE, method: cash }\n    targets: [pagoefectivo]\n  - name: default\n    targets: [dlocal]\n"

    func events(_ harness: Harness, _ id: String) async throws -> [String] {
        (try await harness.call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
    }

    func webhooks(_ harness: Harness, _ connection: String) async throws -> [String: Any] {
        let list = try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]] ?? []
        return list.first { $0["name"] as? String == connection }?["webhooks"] as? [String: Any] ?? [:]
    }

    func setWebhooks(_ harness: Harness, _ connection: String, _ json: String) async throws {
        #expect(try await harness.call("POST", "/sandbox/\(connection)/webhooks", json: json).status == 200)
    }

    @Test func threeDLocalDuplicatesAreAppliedOnce() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            try await setWebhooks(harness, "dlocal", #"{"duplicates":3}"#)
            #expect((try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay").json["notification"] as? [String: Any])?["tries"] as? Int == 3)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")
            #expect(try await events(harness, id) == ["payment.requires_action", "payment.succeeded"])
            let counts = try await webhooks(harness, "dlocal")
            #expect(counts["applied"] as? Int == 1)
            #expect(counts["duplicate"] as? Int == 2)
        }
    }

    /// A repeat is a read: nothing of it reaches the store until the counts are added in one batch; the counts shown are
    /// exact before and after that.
    @Test func duplicatesWriteNothingUntilTheirCountsAreAddedInOneBatch() async throws {
        // The batch is written when the test says so (an hour is never reached here).
        let harness = try await Harness.start(duplicateFlush: .seconds(3600))
        let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(notificationURL: nil))
        let pspId = try #require(created.json["psp_payment_id"] as? String)
        try await setWebhooks(harness, "dlocal", #"{"duplicates":6}"#)
        #expect((try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay").json["notification"] as? [String: Any])?["tries"] as? Int == 6)
        #expect(try await webhooks(harness, "dlocal")["duplicate"] as? Int == 5)
        #expect(try await harness.stack.gateway.store.webhookCounts(connection: "dlocal")["duplicate"] == nil)
        await harness.stack.gateway.duplicates.flush()
        #expect(try await harness.stack.gateway.store.webhookCounts(connection: "dlocal")["duplicate"] == 5)
        #expect(try await webhooks(harness, "dlocal")["duplicate"] as? Int == 5, "not counted twice once written")
        await harness.stop()
    }

    @Test func threeCheckoutDuplicatesOfEachEventAreAppliedOnce() async throws {
        try await Harness.with { harness in
            let body = Harness.body(country: "MX", currency: "MXN", value: 25050, method: #"{"type":"cash"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: body)
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            try await setWebhooks(harness, "checkout", #"{"duplicates":3}"#)
            #expect(try await harness.call("POST", "/sandbox/checkout/payments/\(pspId)/succeed").status == 200)
            #expect(try await harness.waitForStatus(id, "succeeded") == "succeeded")
            #expect(try await events(harness, id) == ["payment.requires_action", "payment.authorized", "payment.succeeded"])
            #expect(try await webhooks(harness, "checkout")["duplicate"] as? Int == 4)
        }
    }

    @Test func threePagoEfectivoDuplicatesAreAppliedOnce() async throws {
        try await Harness.with(routes: Self.peruCashToPagoEfectivo) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String), cip = try #require(created.json["psp_payment_id"] as? String)
            try await setWebhooks(harness, "pagoefectivo", #"{"duplicates":3}"#)
            #expect(try await harness.call("POST", "/sandbox/pagoefectivo/cips/\(cip)/pay").status == 200)
            #expect(try await events(harness, id) == ["payment.requires_action", "payment.succeeded"])
            #expect(try await webhooks(harness, "pagoefectivo")["duplicate"] as? Int == 2)
        }
    }

    @Test func checkoutEventsReleasedInReverseEndSucceeded() async throws {
        try await Harness.with { harness in
            let body = Harness.body(country: "MX", currency: "MXN", value: 25050, method: #"{"type":"cash"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: body)
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            try await Task.sleep(for: .milliseconds(100))   // let the payment_pending announcement go out first
            try await setWebhooks(harness, "checkout", #"{"hold":true}"#)
            #expect(try await harness.call("POST", "/sandbox/checkout/payments/\(pspId)/succeed").status == 200)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "requires_action")
            // payment_captured arrives before payment_approved.
            #expect(try await harness.call("POST", "/sandbox/checkout/webhooks/release", json: #"{"order":"reverse"}"#).status == 200)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")
            #expect(try await events(harness, id) == ["payment.requires_action", "payment.succeeded"])
            #expect(try await webhooks(harness, "checkout")["ignored"] as? Int == 1)
        }
    }

    @Test func lateDLocalAndPagoEfectivoEventsNeverRegressAPaidPayment() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            _ = try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay")
            // A PENDING and an EXPIRED notification arrive late, genuinely signed.
            for (status, code) in [("PENDING", "100"), ("EXPIRED", "500")] {
                let late = Array(#"{"id":"\#(pspId)","amount":150.00,"currency":"PEN","status":"\#(status)","status_code":"\#(code)"}"#.utf8)
                let date = Timestamps.utcMillis(Date())
                let signature = DLocalSignature.authorization(login: DLocalEmulatorDefaults.login, date: date, body: late,
                                                              secretKey: DLocalEmulatorDefaults.secret)
                let reply = try await harness.call("POST", "/webhooks/dlocal", body: late, headers: [("X-Date", date), ("Authorization", signature)])
                #expect(reply.status == 200)
                #expect((reply.json["results"] as? [String])?.first?.hasPrefix("ignored: payment is succeeded, a terminal state") == true)
            }
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")
            #expect(try await events(harness, id) == ["payment.requires_action", "payment.succeeded"])
        }
        try await Harness.with(routes: Self.peruCashToPagoEfectivo) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String), cip = try #require(created.json["psp_payment_id"] as? String)
            _ = try await harness.call("POST", "/sandbox/pagoefectivo/cips/\(cip)/pay")
            let late = Array(#"{"eventType":"cip.expired","operationNumber":"999999","data":{"cip":\#(cip),"currency":"PEN","amount":150.00,"paymentDate":"\#(Timestamps.lima(Date()))","transactionCode":"x"}}"#.utf8)
            let reply = try await harness.call("POST", "/webhooks/pagoefectivo", body: late,
                                               headers: [("PE-Signature", PagoEfectivoSignature.signature(body: late, secretKey: "SECRETKEYSANDBOX"))])
            #expect(reply.status == 200)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")
        }
    }

    @Test func forgedWebhooksAreRefusedAndCountedForEveryConnection() async throws {
        try await Harness.with { harness in
            let body = Array(#"{"id":"x","status":"PAID","status_code":"200","eventType":"cip.paid","type":"payment_captured","data":{"id":"x","cip":1}}"#.utf8)
            let forged: [String: [(String, String)]] = [
                "dlocal": [("X-Date", Timestamps.utcMillis(Date())), ("Authorization", "V2-HMAC-SHA256, Signature: " + String(repeating: "a", count: 64))],
                "checkout": [("Cko-Signature", CheckoutSignature.signature(body: body, key: "wrong-key"))],
                "pagoefectivo": [("PE-Signature", PagoEfectivoSignature.signature(body: body, secretKey: "wrong-key"))],
            ]
            for (connection, headers) in forged {
                #expect(try await harness.call("POST", "/webhooks/\(connection)", body: body, headers: headers).status == 401)
                #expect(try await harness.call("POST", "/webhooks/\(connection)", body: body, headers: []).status == 401)
                let counts = try await webhooks(harness, connection)
                #expect(counts["refused"] as? Int == 2, "\(connection): \(counts)")
                #expect(counts["applied"] == nil && counts["orphaned"] == nil)
            }
        }
    }

    @Test func anUnknownPaymentIsAnOrphanAndAMismatchedAmountIsFlagged() async throws {
        try await Harness.with { harness in
            let date = Timestamps.utcMillis(Date())
            func signed(_ json: String) -> (body: [UInt8], headers: [(String, String)]) {
                let body = Array(json.utf8)
                return (body, [("X-Date", date), ("Authorization", DLocalSignature.authorization(login: DLocalEmulatorDefaults.login, date: date,
                                                                                                  body: body, secretKey: DLocalEmulatorDefaults.secret))])
            }
            let orphan = signed(#"{"id":"D-4-nobody","amount":10.00,"currency":"PEN","status":"PAID","status_code":"200"}"#)
            let reply = try await harness.call("POST", "/webhooks/dlocal", body: orphan.body, headers: orphan.headers)
            #expect(reply.status == 200)
            #expect(reply.json["results"] as? [String] == ["orphaned"])
            let stored = try await harness.stack.gateway.store.orphanedWebhooks(limit: 10)
            #expect(stored.map(\.pspPaymentId) == ["D-4-nobody"])

            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            let cheap = signed(#"{"id":"\#(pspId)","amount":1.00,"currency":"PEN","status":"PAID","status_code":"200"}"#)
            let flagged = try await harness.call("POST", "/webhooks/dlocal", body: cheap.body, headers: cheap.headers)
            #expect((flagged.json["results"] as? [String])?.first?.hasPrefix("flagged: The PSP reports 1.00 PEN but the payment is 150.00 PEN") == true)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "requires_action")
            #expect(try await events(harness, id) == ["payment.requires_action"])
            // An amount that cannot be read (three decimals in PEN) is not checked silently: flagged, counted, not applied.
            let unreadable = signed(#"{"id":"\#(pspId)","amount":150.005,"currency":"PEN","status":"PAID","status_code":"201"}"#)
            let refused = try await harness.call("POST", "/webhooks/dlocal", body: unreadable.body, headers: unreadable.headers)
            #expect((refused.json["results"] as? [String])?.first?.hasPrefix("amount_unreadable:") == true, "\(refused.text)")
            let payment = try await harness.payment(id)
            #expect(payment["status"] as? String == "requires_action")
            #expect((payment["review"] as? [String: Any])?["code"] as? String == "amount_unreadable")
            let counts = (try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]])?
                .first { $0["name"] as? String == "dlocal" }?["webhooks"] as? [String: Any]
            #expect(counts?["amount_unreadable"] as? Int == 1)
            #expect(counts?["flagged"] as? Int == 1)
            #expect(counts?["orphaned"] as? Int == 1)
        }
    }

    @Test func webhooksFromOutsideTheAllowListAreRefused() async throws {
        let allowList: (String) -> String = { $0 + "webhook:\n  allow_ips: [203.0.113.0/24]\n  trusted_proxies: [127.0.0.1/32]\n  client_ip_header: X-Forwarded-For\n" }
        try await Harness.with(adapterEdit: allowList) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String), pspId = try #require(created.json["psp_payment_id"] as? String)
            // The emulator posts from 127.0.0.1 without a forwarded address: refused.
            let paid = try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay")
            #expect((paid.json["notification"] as? [String: Any])?["status"] as? Int == 403)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "requires_action")
            let body = Array(#"{"id":"\#(pspId)","amount":150.00,"currency":"PEN","status":"PAID","status_code":"200"}"#.utf8)
            let date = Timestamps.utcMillis(Date())
            let signature = DLocalSignature.authorization(login: DLocalEmulatorDefaults.login, date: date, body: body, secretKey: DLocalEmulatorDefaults.secret)
            let outside = try await harness.call("POST", "/webhooks/dlocal", body: body,
                                                 headers: [("X-Date", date), ("Authorization", signature), ("X-Forwarded-For", "198.51.100.7")])
            #expect(outside.status == 403)
            // Through the trusted proxy (loopback here) with an allowed client address: accepted.
            let inside = try await harness.call("POST", "/webhooks/dlocal", body: body,
                                                headers: [("X-Date", date), ("Authorization", signature), ("X-Forwarded-For", "10.0.0.1, 203.0.113.9")])
            #expect(inside.status == 200)
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")
        }
    }
}
