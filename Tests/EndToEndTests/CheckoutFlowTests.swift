import Foundation
import PasarelaAdapters
import Testing

/// Checkout over loopback: real gateway, Checkout-style emulator, signed `evt_` webhooks.
@Suite struct CheckoutFlowTests {
    func card(_ token: String) -> String {
        Harness.body(country: "PE", currency: "PEN", value: 9990, method: #"{"type":"card","token":"\#(token)"}"#)
    }

    @Test func anApprovedCardIsCapturedAndSucceedsBySignedWebhooks() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: card("tok_4gzeau5o2uqubbk6fufs3m7p54"))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["connection"] as? String == "checkout")
            #expect(created.json["status"] as? String == "authorized")
            let id = try #require(created.json["id"] as? String)
            #expect(try await harness.waitForStatus(id, "succeeded") == "succeeded")
            #expect(harness.stack.checkout?.sentEvents.count == 2)
        }
    }

    @Test(arguments: [("tok_decline_20051", "soft"), ("tok_decline_30004", "hard"), ("tok_decline_40101", "risk")])
    func declinesAreClassedAndDoNotFailOver(token: String, decline: String) async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: card(token))
            #expect(created.json["status"] as? String == "failed")
            let attempts = created.json["attempts"] as? [[String: Any]] ?? []
            #expect(attempts.count == 1)
            #expect(attempts.first?["outcome"] as? String == "declined")
            #expect(attempts.first?["decline_class"] as? String == decline)
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)
        }
    }

    @Test(arguments: [("succeed", "succeeded"), ("expire", "expired"), ("cancel", "canceled")])
    func oxxoGoesFromRedirectToItsEnd(control: String, status: String) async throws {
        try await Harness.with { harness in
            let body = Harness.body(country: "MX", currency: "MXN", value: 25050, method: #"{"type":"cash"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: body)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["status"] as? String == "requires_action")
            #expect(created.json["connection"] as? String == "checkout")
            let action = try #require(created.json["next_action"] as? [String: Any])
            #expect(action["type"] as? String == "redirect")
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            #expect((action["url"] as? String)?.hasSuffix("/apm/\(pspId)") == true)
            let completed = try await harness.call("POST", "/sandbox/checkout/payments/\(pspId)/\(control)")
            #expect(completed.status == 200, "\(completed.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(try await harness.waitForStatus(id, status) == status)
        }
    }

    @Test func forgedCheckoutWebhooksChangeNothing() async throws {
        try await Harness.with { harness in
            let body = Harness.body(country: "MX", currency: "MXN", value: 25050, method: #"{"type":"cash"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: body)
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            let event = Array(#"{"id":"evt_forgedforgedforgedforgedfo","type":"payment_captured","data":{"id":"\#(pspId)","amount":25050,"currency":"MXN"}}"#.utf8)
            for headers in [[], [("Cko-Signature", CheckoutSignature.signature(body: event, key: "guessed"))], [("Cko-Signature", "zz")]] {
                #expect(try await harness.call("POST", "/webhooks/checkout", body: event, headers: headers).status == 401)
            }
            #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "requires_action")
        }
    }

    @Test func theEmulatorReplaysAnIdempotencyKeyAndRefusesAConcurrentDuplicate() async throws {
        try await Harness.with { harness in
            let url = try #require(harness.stack.emulatorURLs["checkout"])
            let emulator = try #require(harness.stack.checkout)
            let body = Array(#"{"source":{"type":"token","token":"tok_abc"},"amount":100,"currency":"PEN","reference":"att_x"}"#.utf8)
            let headers = [("Authorization", "Bearer \(emulator.credentials.secretKey)"), ("Cko-Idempotency-Key", "key-1")]
            let direct = harness
            let first = try await direct.call(url: url + "/payments", body: body, headers: headers)
            let replay = try await direct.call(url: url + "/payments", body: body, headers: headers)
            #expect(first.status == 201)
            #expect(replay.status == 201)
            #expect(first.bytes == replay.bytes)
            #expect(emulator.ledger.count == 1)
            // The first request holds its key while it is held; a duplicate meanwhile is told to come back.
            emulator.faults.inject(.holdBeforeProcessing)
            let concurrentHeaders = [("Authorization", "Bearer \(emulator.credentials.secretKey)"), ("Cko-Idempotency-Key", "key-2")]
            async let slow = direct.call(url: url + "/payments", body: body, headers: concurrentHeaders)
            try await direct.eventually("the first request is held") { emulator.faults.heldCount == 1 }
            let duplicate = try await direct.call(url: url + "/payments", body: body, headers: concurrentHeaders)
            #expect(duplicate.status == 429)
            #expect(emulator.faults.releaseHeld() == 1)
            #expect(try await slow.status == 201)
            #expect(try await direct.call(url: url + "/payments", body: body, headers: [("Authorization", "Bearer wrong")]).status == 401)
        }
    }
}
