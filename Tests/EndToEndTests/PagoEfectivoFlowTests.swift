import Foundation
import PasarelaAdapters
import PasarelaCore
import Testing

/// The walking skeleton over loopback: real gateway, real dLocal emulator, real SQLite file.
@Suite struct PagoEfectivoFlowTests {
    @Test func cashPaymentGoesFromVoucherToSucceeded() async throws {
        try await Harness.with { harness in
        let order = "order-\(UUID().uuidString.prefix(8))"
        let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(order: order))
        #expect(created.status == 201, "\(created.text)")
        let payment = created.json
        let id = try #require(payment["id"] as? String)
        #expect(id.hasPrefix("pay_"))
        #expect(payment["status"] as? String == "requires_action")
        #expect(payment["connection"] as? String == "dlocal")
        #expect((payment["amount"] as? [String: Any])?["value"] as? Int == 15000)
        let pspId = try #require(payment["psp_payment_id"] as? String)
        #expect(pspId.hasPrefix("D-4-"))
        let action = try #require(payment["next_action"] as? [String: Any])
        #expect(action["type"] as? String == "display_voucher")
        let cip = try #require(action["code"] as? String)
        #expect(cip.count == 8 && cip.allSatisfy(\.isNumber))
        let expiresText = try #require(action["expires_at"] as? String)
        #expect(expiresText.hasSuffix("-05:00"))
        let expiresAt = try #require(Timestamps.parse(expiresText))
        #expect(abs(expiresAt.timeIntervalSinceNow - 24 * 3600) < 120)
        #expect((action["voucher_url"] as? String)?.contains(pspId) == true)
        let attempts = try #require(payment["attempts"] as? [[String: Any]])
        #expect(attempts.count == 1)
        #expect(attempts.first?["outcome"] as? String == "pending")
        #expect(attempts.first?["connection"] as? String == "dlocal")
        #expect(attempts.first?["rule"] as? String == "peru-cash")
        #expect(harness.stack.dlocal?.status(of: pspId) == "PENDING")

        let listed = try await harness.call("GET", "/v1/payments?order_id=\(order)")
        #expect((listed.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

        let paid = try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay")
        #expect(paid.status == 200, "\(paid.text)")
        #expect((paid.json["notification"] as? [String: Any])?["status"] as? Int == 200)

        let fetched = try await harness.call("GET", "/v1/payments/\(id)")
        #expect(fetched.json["status"] as? String == "succeeded")
        #expect(fetched.json["next_action"] is NSNull)
        #expect((fetched.json["attempts"] as? [[String: Any]])?.first?["outcome"] as? String == "succeeded")

        // Paying twice is refused by the PSP itself (5002: the payment is no longer PENDING).
        let again = try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay")
        #expect(again.status == 409)
        #expect(again.json["code"] as? Int == 5002)
        }
    }

    @Test(arguments: [("expire", "expired"), ("cancel", "canceled")])
    func unpaidVouchersExpireOrAreCanceled(control: String, status: String) async throws {
        try await Harness.with { harness in
        let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
        let pspId = try #require(created.json["psp_payment_id"] as? String)
        let id = try #require(created.json["id"] as? String)
        #expect(try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/\(control)").status == 200)
        #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == status)
        // A late PAID for an expired voucher cannot regress it.
        #expect(try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay").status == 409)
        }
    }

    @Test func forgedWebhooksChangeNothing() async throws {
        try await Harness.with { harness in
        let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
        let id = try #require(created.json["id"] as? String)
        let pspId = try #require(created.json["psp_payment_id"] as? String)
        let body = Array(#"{"id":"\#(pspId)","amount":150.00,"currency":"PEN","status":"PAID","status_code":"200","order_id":"x"}"#.utf8)
        let date = Timestamps.utcMillis(Date())
        let login = DLocalEmulatorDefaults.login
        let forged = DLocalSignature.authorization(login: login, date: date, body: body, secretKey: "guessed-secret")
        let cases: [[(String, String)]] = [
            [("X-Date", date), ("Authorization", forged)],
            [("X-Date", date)],
            [("X-Date", date), ("Authorization", "V2-HMAC-SHA256, Signature: not-hex")],
            [("Authorization", DLocalSignature.authorization(login: login, date: date, body: body, secretKey: DLocalEmulatorDefaults.secret))],
        ]
        for headers in cases {
            let reply = try await harness.call("POST", "/webhooks/dlocal", body: body, headers: headers)
            #expect(reply.status == 401, "\(headers.map(\.0))")
            #expect(reply.error["type"] as? String == "authentication_error")
        }
        // Signed correctly but over other bytes (tampered after signing).
        let genuine = DLocalSignature.authorization(login: login, date: date, body: body, secretKey: DLocalEmulatorDefaults.secret)
        var tampered = body
        tampered[tampered.count - 2] = UInt8(ascii: "y")
        #expect(try await harness.call("POST", "/webhooks/dlocal", body: tampered, headers: [("X-Date", date), ("Authorization", genuine)]).status == 401)
        #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "requires_action")

        // The genuine one is applied; a signed body that is not a payment object is 400.
        let applied = try await harness.call("POST", "/webhooks/dlocal", body: body, headers: [("X-Date", date), ("Authorization", genuine)])
        #expect(applied.status == 200, "\(applied.text)")
        #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")
        let junk = Array(#"{"hello":1}"#.utf8)
        let junkSignature = DLocalSignature.authorization(login: login, date: date, body: junk, secretKey: DLocalEmulatorDefaults.secret)
        #expect(try await harness.call("POST", "/webhooks/dlocal", body: junk, headers: [("X-Date", date), ("Authorization", junkSignature)]).status == 400)
        #expect(try await harness.call("POST", "/webhooks/nowhere", body: junk, headers: []).status == 404)
        }
    }
}

/// The sandbox credentials written in adapters/dlocal.yaml.
enum DLocalEmulatorDefaults {
    static let login = "sbx_login_pasarela"
    static let secret = "sbx_secret_key_pasarela"
}
