import Foundation
import PasarelaCore
import Testing

/// Vouchers past their expiry are confirmed and canceled at the PSP, then `expired`; a late payment still counts,
/// flagged. Merchants cancel vouchers and void uncaptured cards; paid, ended or unsettled payments answer 409.
@Suite struct ExpiryAndCancelTests {
    static let peCashOnly = "routes:\n  - name: peru-cash\n    match: { country: PE, method: cash }\n    targets: [pagoefectivo]\n  - name: cards\n    match: { method: card }\n    targets: [checkout]\n  - name: latam-cash\n    match: { country: MX, method: cash }\n    targets: [checkout]\n  - name: default\n    targets: [dlocal]\n"

    /// `POST /v1/payments/{id}/cancel` with an optional key and body.
    func cancel(_ harness: Harness, _ id: String, key: String? = nil, body: String = "") async throws -> Harness.Reply {
        var headers = [("Authorization", "Bearer \(harness.key)")]
        if let key { headers.append(("Idempotency-Key", key)) }
        return try await harness.call("POST", "/v1/payments/\(id)/cancel", body: body.isEmpty ? nil : Array(body.utf8), headers: headers)
    }

    @Test func aDLocalVoucherExpiresInLimaTimeAndIsCanceledAtDLocal() async throws {
        let clock = TestClock(frozenAt: Timestamps.parse("2026-11-30T15:00:00Z")!)
        try await Harness.with(clock: clock) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            // 24 h after 15:00 UTC is 10:00 the next day in Lima (UTC−05:00), as the payer reads it.
            let action = try #require(created.json["next_action"] as? [String: Any])
            #expect(action["expires_at"] as? String == "2026-12-01T10:00:00-05:00")
            #expect(created.json["expires_at"] as? String == "2026-12-01T15:00:00Z")
            clock.advance(by: 23 * 3600)
            // A look for news, not yet the expiry.
            #expect(!(await harness.reconcile().actions.map(\.step).contains(.expired)))
            #expect(try await harness.payment(id)["status"] as? String == "requires_action")
            clock.advance(by: 3600)
            let report = await harness.reconcile()
            #expect(report.actions.map(\.step) == [.expired])
            #expect(harness.stack.dlocal?.status(of: pspId) == "CANCELLED")
            let expired = try await harness.payment(id)
            #expect(expired["status"] as? String == "expired")
            #expect((expired["failure"] as? [String: Any])?["code"] as? String == "voucher_expired")
            // dLocal notified its CANCELLED before it answered the cancel: one event all the same, for Pasarela's reason.
            #expect(try await harness.eventTypes(id) == ["payment.requires_action", "payment.expired"])
        }
    }

    @Test func aPagoEfectivoCIPPastExpiryIsDeletedThere() async throws {
        try await Harness.with(routes: Self.peCashOnly) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            let cip = try #require(Int(created.json["psp_payment_id"] as? String ?? ""))
            harness.clock.advance(by: 86_401)
            let report = await harness.reconcile()
            #expect(report.actions.map(\.step) == [.expired], "\(report.lines)")
            #expect(harness.stack.pagoefectivo?.status(of: cip) == "DELETED")
            #expect(try await harness.payment(id)["status"] as? String == "expired")
        }
    }

    @Test func aVoucherPaidAfterPasarelaExpiredItEndsSucceededFlaggedAndAnnounced() async throws {
        // Checkout cannot cancel an OXXO voucher: Pasarela expires it on its own, and the payer can still pay.
        try await Harness.with(routes: Self.peCashOnly) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.body(country: "MX", currency: "MXN", value: 25050,
                                                                                        method: #"{"type":"cash"}"#))
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            harness.clock.advance(by: 86_401)
            #expect(await harness.reconcile().actions.map(\.step) == [.expired])
            #expect(harness.stack.checkout?.status(of: pspId) == "Pending")
            #expect(try await harness.call("POST", "/sandbox/checkout/payments/\(pspId)/succeed").status == 200)
            let paid = try await harness.payment(id)
            #expect(paid["status"] as? String == "succeeded")
            #expect(paid["late_payment"] as? Bool == true)
            #expect(paid["failure"] is NSNull)
            #expect(try await harness.eventTypes(id) == ["payment.requires_action", "payment.expired", "payment.succeeded"])
        }
    }

    @Test func aVoucherIsCanceledAtThePSPAndTheKeyReplaysTheCancel() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            let canceled = try await cancel(harness, id, key: "cancel-1", body: #"{"reason":"customer changed their mind"}"#)
            #expect(canceled.status == 200, "\(canceled.text)")
            #expect(canceled.json["status"] as? String == "canceled")
            #expect((canceled.json["failure"] as? [String: Any])?["code"] as? String == "canceled_by_merchant")
            #expect(harness.stack.dlocal?.status(of: pspId) == "CANCELLED")
            #expect(try await cancel(harness, id, key: "cancel-1", body: #"{"reason":"customer changed their mind"}"#).bytes == canceled.bytes)
            let reused = try await cancel(harness, id, key: "cancel-1", body: #"{"reason":"another"}"#)
            #expect(reused.status == 409)
            #expect(reused.error["code"] as? String == "idempotency_key_reused")
            let again = try await cancel(harness, id, key: "cancel-2")
            #expect(again.status == 409)
            #expect(again.error["code"] as? String == "payment_not_cancelable")
            #expect(try await harness.eventTypes(id) == ["payment.requires_action", "payment.canceled"])
        }
    }

    @Test func anUncapturedCardIsVoidedAtCheckout() async throws {
        try await Harness.with { harness in
            let checkout = try #require(harness.stack.checkout)
            checkout.captures.hold()
            let card = Harness.body(country: "PE", currency: "PEN", value: 9990, method: #"{"type":"card","token":"tok_void"}"#)
            let created = try await harness.call("POST", "/v1/payments", json: card)
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            try await harness.eventually("the approval webhook") { try await harness.eventTypes(id) == ["payment.authorized"] }
            checkout.sender.set(.init(hold: true))
            let voided = try await cancel(harness, id, key: "void-1")
            #expect(voided.status == 202, "\(voided.text)")
            #expect(voided.json["pending_cancel"] as? Bool == true)
            #expect(checkout.status(of: pspId) == "Voided")
            // The same key replays the answer: asked, not done.
            #expect(try await cancel(harness, id, key: "void-1").bytes == voided.bytes)
            _ = await checkout.sender.release(reversed: false)
            try await harness.eventually("payment_voided applied") { try await harness.payment(id)["status"] as? String == "canceled" }
            // The held capture finds the payment voided and does nothing; the void's own webhook changes nothing.
            checkout.captures.open()
            try await harness.eventually("payment_voided recorded") { checkout.sentEvents.count == 2 }
            #expect(checkout.status(of: pspId) == "Voided")
            #expect(try await harness.payment(id)["status"] as? String == "canceled")
            #expect(try await harness.eventTypes(id) == ["payment.authorized", "payment.canceled"])
        }
    }

    @Test func paidProcessingEndedAndUncancelablePaymentsAnswer409() async throws {
        try await Harness.with(adapterEdit: { $0.replacingOccurrences(of: "request_ms: 15000", with: "request_ms: 2000") }) { harness in
            // Paid.
            let paid = try await harness.call("POST", "/v1/payments", json: Harness.body(country: "PE", currency: "PEN", value: 500,
                                                                                     method: #"{"type":"card","token":"tok_ok"}"#))
            let paidId = try #require(paid.json["id"] as? String)
            try await harness.eventually("captured") { try await harness.payment(paidId)["status"] as? String == "succeeded" }
            let refused = try await cancel(harness, paidId, key: "c-paid")
            #expect(refused.status == 409)
            #expect(refused.error["code"] as? String == "payment_already_succeeded")
            #expect(try await cancel(harness, paidId, key: "c-paid").bytes == refused.bytes)
            // Outcome unknown: refused, and the key stays free for a retry once it settles.
            harness.stack.dlocal?.faults.inject(.garbage)
            harness.stack.dlocal?.faults.inject(.status(503), times: 2)
            let unknown = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let unknownId = try #require(unknown.json["id"] as? String)
            let processing = try await cancel(harness, unknownId, key: "c-unknown")
            #expect(processing.status == 409)
            #expect(processing.error["code"] as? String == "payment_processing")
            // An OXXO voucher at Checkout cannot be canceled through its API.
            let oxxo = try await harness.call("POST", "/v1/payments", json: Harness.body(country: "MX", currency: "MXN", value: 25050,
                                                                                     method: #"{"type":"cash"}"#))
            let unsupported = try await cancel(harness, try #require(oxxo.json["id"] as? String))
            #expect(unsupported.status == 409)
            #expect(unsupported.error["code"] as? String == "cancel_unsupported")
            // Unknown ids and bad bodies.
            #expect(try await cancel(harness, "pay_nope").status == 404)
            let bad = try await cancel(harness, paidId, body: #"{"why":"x"}"#)
            #expect(bad.status == 422)
            #expect(bad.error["param"] as? String == "why")
        }
    }

    @Test func aVoucherPaidJustBeforeTheCancelIsReportedPaid() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            let dlocal = try #require(harness.stack.dlocal)
            var drop = dlocal.sender.current
            drop.dropNext = 1
            dlocal.sender.set(drop)
            #expect(try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay").status == 200)
            let refused = try await cancel(harness, id, key: "late-cancel")
            #expect(refused.status == 409, "\(refused.text)")
            #expect(refused.error["code"] as? String == "payment_already_succeeded")
            #expect(try await harness.payment(id)["status"] as? String == "succeeded")
        }
    }

    @Test func aPSPThatDoesNotAnswerTheCancelChangesNothingAndFreesTheKey() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            harness.stack.dlocal?.faults.inject(.status(503))
            let failed = try await cancel(harness, id, key: "k-retry")
            #expect(failed.status == 502, "\(failed.text)")
            #expect(failed.error["code"] as? String == "psp_unavailable")
            #expect(try await harness.payment(id)["status"] as? String == "requires_action")
            let retried = try await cancel(harness, id, key: "k-retry")
            #expect(retried.status == 200, "\(retried.text)")
            #expect(retried.json["status"] as? String == "canceled")
        }
    }
}
