import Foundation
import Testing

/// `capture: "manual"` card payments over loopback: authorized, then captured (in full or in part) or voided, at
/// Checkout (`/payments/{id}/captures`, `/voids`) and at dLocal (`POST /payments` with `authorization_id`, `/cancel`).
@Suite struct CaptureTests {
    static let dlocalCards = "routes:\n  - name: cards\n    match: { method: card }\n    targets: [dlocal]\n  - name: default\n    targets: [dlocal]\n"

    /// A manual-capture card payment of `value` céntimos; the token says which connection issued it.
    static func authorize(_ harness: Harness, token: String, value: Int = 10000) async throws -> String {
        var body = Harness.body(country: "PE", currency: "PEN", value: value, method: #"{"type":"card","token":"\#(token)"}"#)
        body = body.replacingOccurrences(of: #""description":"Pedido""#, with: #""description":"Pedido","capture":"manual""#)
        let created = try await harness.call("POST", "/v1/payments", json: body)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["status"] as? String == "authorized")
        #expect(created.json["capture"] as? String == "manual")
        return try #require(created.json["id"] as? String)
    }

    func capture(_ harness: Harness, _ id: String, value: Int? = nil, key: String = UUID().uuidString) async throws -> Harness.Reply {
        let body = value.map { #"{"amount":{"value":\#($0),"currency":"PEN"}}"# } ?? ""
        return try await harness.call("POST", "/v1/payments/\(id)/capture", body: Array(body.utf8),
                                      headers: [("Authorization", "Bearer \(harness.key)"), ("Idempotency-Key", key)])
    }

    func value(_ json: [String: Any], _ field: String) -> Int? { (json[field] as? [String: Any])?["value"] as? Int }

    @Test func checkoutKeepsAManualPaymentAuthorizedThenCapturesPartOfIt() async throws {
        try await Harness.with { harness in
            let id = try await Self.authorize(harness, token: "tok_visa4242")
            let pspId = try #require(try await harness.payment(id)["psp_payment_id"] as? String)
            let checkout = try #require(harness.stack.checkout)
            try await harness.eventually("the payment_approved webhook is sent") { checkout.sentEvents.count == 1 }
            #expect(checkout.status(of: pspId) == "Authorized")
            #expect(try await harness.payment(id)["status"] as? String == "authorized")
            let captured = try await capture(harness, id, value: 6000)
            #expect(captured.status == 200, "\(captured.text)")
            #expect(value(captured.json, "pending_capture") == 6000 || captured.json["status"] as? String == "succeeded")
            #expect(try await harness.waitForStatus(id, "succeeded") == "succeeded")
            let payment = try await harness.payment(id)
            #expect(value(payment, "amount_captured") == 6000)
            #expect(payment["pending_capture"] is NSNull)
            #expect(checkout.status(of: pspId) == "Partially Captured")
            #expect(try await harness.eventTypes(id) == ["payment.authorized", "payment.succeeded"])
            // Only what was captured can be refunded.
            let over = try await harness.call("POST", "/v1/payments/\(id)/refunds", json: #"{"amount":{"value":6001,"currency":"PEN"}}"#)
            #expect(over.error["code"] as? String == "amount_exceeds_remaining")
            let again = try await capture(harness, id)
            #expect(again.status == 409)
            #expect(again.error["code"] as? String == "payment_not_capturable")
        }
    }

    /// Checkout's void is asynchronous: its 202 means "asked". The payment shows the cancel pending (still authorized)
    /// until `payment_voided` confirms it; only then is it canceled.
    @Test func checkoutVoidsAnAuthorizedPaymentOnlyOnceCheckoutConfirms() async throws {
        try await Harness.with { harness in
            let id = try await Self.authorize(harness, token: "tok_visa4242")
            let checkout = try #require(harness.stack.checkout)
            try await harness.eventually("the approval webhook") { try await harness.eventTypes(id) == ["payment.authorized"] }
            let pspId = try #require(try await harness.payment(id)["psp_payment_id"] as? String)
            checkout.sender.set(.init(hold: true))
            let asked = try await harness.call("POST", "/v1/payments/\(id)/cancel", json: "{}")
            #expect(asked.status == 202, "\(asked.text)")
            #expect(asked.json["status"] as? String == "authorized")
            #expect(asked.json["pending_cancel"] as? Bool == true)
            #expect(checkout.status(of: pspId) == "Voided")
            #expect(try await harness.payment(id)["status"] as? String == "authorized", "not canceled before Checkout says so")
            _ = await checkout.sender.release(reversed: false)
            try await harness.eventually("payment_voided applied") { try await harness.payment(id)["status"] as? String == "canceled" }
            let canceled = try await harness.payment(id)
            #expect(canceled["pending_cancel"] as? Bool == false)
            #expect((canceled["failure"] as? [String: Any])?["code"] as? String == "canceled_by_merchant")
            #expect(try await harness.eventTypes(id) == ["payment.authorized", "payment.canceled"])
            let late = try await capture(harness, id)
            #expect(late.status == 409)
        }
    }

    /// Checkout accepts the void and then declines it: the payment was never canceled. The pending cancel goes, the
    /// payment stays authorized (and capturable), and the merchant hears why in `payment.cancel_failed`.
    @Test func aDeclinedVoidLeavesThePaymentAuthorizedAndSaysWhy() async throws {
        try await Harness.with { harness in
            let checkout = try #require(harness.stack.checkout)
            #expect(checkout.applySetting("decline_voids", true))
            let id = try await Self.authorize(harness, token: "tok_visa4242")
            try await harness.eventually("the approval webhook") { try await harness.eventTypes(id) == ["payment.authorized"] }
            let asked = try await harness.call("POST", "/v1/payments/\(id)/cancel", json: "{}")
            #expect(asked.status == 202, "\(asked.text)")
            try await harness.eventually("payment_void_declined applied") {
                try await harness.eventTypes(id) == ["payment.authorized", "payment.cancel_failed"]
            }
            let payment = try await harness.payment(id)
            #expect(payment["status"] as? String == "authorized")
            #expect(payment["pending_cancel"] as? Bool == false)
            let events = try await harness.call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]] ?? []
            let failed = try #require(events.last?["data"] as? [String: Any])
            #expect((failed["reason"] as? String)?.contains("Checkout declined the void") == true, "\(failed)")
            #expect(((failed["object"] as? [String: Any])?["status"]) as? String == "authorized")
            let captured = try await capture(harness, id)
            #expect(captured.status == 200, "\(captured.text)")
        }
    }

    /// The void's webhook is lost: the reconciler's look (soon after the cancel was asked) finds the payment Voided.
    @Test func aVoidWhoseWebhookIsLostIsConfirmedByALookup() async throws {
        try await Harness.with { harness in
            let checkout = try #require(harness.stack.checkout)
            let id = try await Self.authorize(harness, token: "tok_visa4242")
            try await harness.eventually("the approval webhook") { try await harness.eventTypes(id) == ["payment.authorized"] }
            checkout.sender.set(.init(dropNext: 1))
            #expect(try await harness.call("POST", "/v1/payments/\(id)/cancel", json: "{}").status == 202)
            try await harness.eventually("the void's webhook dropped") { checkout.sender.current.dropNext == 0 }
            #expect(try await harness.payment(id)["status"] as? String == "authorized")
            harness.clock.advance(by: 12)
            let report = await harness.reconcile()
            #expect(report.actions.first?.reached == .canceled, "\(report.lines)")
            let canceled = try await harness.payment(id)
            #expect(canceled["status"] as? String == "canceled")
            #expect((canceled["failure"] as? [String: Any])?["code"] as? String == "canceled_by_merchant")
        }
    }

    @Test func aDeclinedCaptureLeavesThePaymentAuthorized() async throws {
        try await Harness.with { harness in
            let id = try await Self.authorize(harness, token: "tok_visa4242")
            let checkout = try #require(harness.stack.checkout)
            _ = checkout.applySetting("decline_captures", true)
            #expect(try await capture(harness, id).status == 200)
            try await harness.eventually("the capture decline arrives") { try await harness.payment(id)["pending_capture"] is NSNull }
            #expect(try await harness.payment(id)["status"] as? String == "authorized")
            _ = checkout.applySetting("decline_captures", false)
            #expect(try await capture(harness, id).status == 200)
            #expect(try await harness.waitForStatus(id, "succeeded") == "succeeded")
        }
    }

    @Test func dLocalCapturesAnAuthorizationAtOnce() async throws {
        try await Harness.with(routes: Self.dlocalCards) { harness in
            let id = try await Self.authorize(harness, token: "CV-5b3f0b2a-9c1d")
            let pspId = try #require(try await harness.payment(id)["psp_payment_id"] as? String)
            #expect(harness.stack.dlocal?.status(of: pspId) == "AUTHORIZED")
            let over = try await capture(harness, id, value: 10001)
            #expect(over.status == 422)
            #expect(over.error["code"] as? String == "amount_exceeds_authorized")
            let dlocal = try #require(harness.stack.dlocal)
            dlocal.sender.set(.init(hold: true))
            let captured = try await capture(harness, id)
            #expect(captured.status == 200, "\(captured.text)")
            #expect(captured.json["status"] as? String == "succeeded")
            #expect(value(captured.json, "amount_captured") == 10000)
            #expect(dlocal.status(of: pspId) == "PAID")
            // The PSP's PAID notification, delivered after the answer, restates it: nothing more is announced.
            try await harness.eventually("the PAID notification is held") { dlocal.sender.heldCount == 1 }
            let delivered = await dlocal.sender.release(reversed: false)
            #expect(delivered.map(\.status) == [200])
            #expect(try await harness.eventTypes(id) == ["payment.authorized", "payment.succeeded"])
            let twice = try await capture(harness, id)
            #expect(twice.error["code"] as? String == "payment_not_capturable")
        }
    }

    @Test func dLocalVoidsAnAuthorizationWhenItIsCanceled() async throws {
        try await Harness.with(routes: Self.dlocalCards) { harness in
            let id = try await Self.authorize(harness, token: "CV-5b3f0b2a-9c1d")
            let pspId = try #require(try await harness.payment(id)["psp_payment_id"] as? String)
            let canceled = try await harness.call("POST", "/v1/payments/\(id)/cancel", json: "{}")
            #expect(canceled.json["status"] as? String == "canceled", "\(canceled.text)")
            #expect(harness.stack.dlocal?.status(of: pspId) == "CANCELLED")
        }
    }

    @Test func capturesThatCannotBeAreRefused() async throws {
        try await Harness.with { harness in
            let cash = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let cashId = try #require(cash.json["id"] as? String)
            #expect(try await capture(harness, cashId).error["code"] as? String == "payment_not_capturable")
            let auto = try await RefundTests.capturedCard(harness)
            #expect(try await capture(harness, auto).status == 409)
            let id = try await Self.authorize(harness, token: "tok_visa4242")
            let currency = try await harness.call("POST", "/v1/payments/\(id)/capture", json: #"{"amount":{"value":100,"currency":"USD"}}"#)
            #expect(currency.status == 422)
            #expect(currency.error["code"] as? String == "currency_mismatch")
            let zero = try await harness.call("POST", "/v1/payments/\(id)/capture", json: #"{"amount":{"value":0,"currency":"PEN"}}"#)
            #expect(zero.status == 422)
            #expect(try await harness.payment(id)["pending_capture"] is NSNull)
            // A manual capture on a cash payment is refused when the payment is made.
            var body = Harness.cashBody()
            body = body.replacingOccurrences(of: #""description":"Pedido""#, with: #""description":"Pedido","capture":"manual""#)
            let refused = try await harness.call("POST", "/v1/payments", json: body)
            #expect(refused.status == 422, "\(refused.text)")
        }
    }
}
