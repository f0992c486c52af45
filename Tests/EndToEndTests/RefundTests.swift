import Foundation
import Testing

/// Refunds over loopback through the connection that took the payment: dLocal `POST /refunds` and its refund
/// notifications, Checkout `POST /payments/{id}/refunds` and its webhooks; PagoEfectivo has none.
@Suite struct RefundTests {
    static let bankAccount = #"{"beneficiary_name":"Pedro Gomez","bank":"BCP","number":"19112345678012","type":"savings"}"#

    /// A PE cash payment at dLocal, paid, of `value` céntimos.
    static func paidCash(_ harness: Harness, value: Int = 15000) async throws -> String {
        let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(value: value))
        #expect(created.json["connection"] as? String == "dlocal", "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let pspId = try #require(created.json["psp_payment_id"] as? String)
        #expect(try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay").status == 200)
        #expect(try await harness.waitForStatus(id, "succeeded") == "succeeded")
        return id
    }

    /// A card payment at Checkout, approved and captured, of `value` céntimos.
    static func capturedCard(_ harness: Harness, value: Int = 10000) async throws -> String {
        let body = Harness.body(country: "PE", currency: "PEN", value: value, method: #"{"type":"card","token":"tok_visa4242"}"#)
        let created = try await harness.call("POST", "/v1/payments", json: body)
        #expect(created.json["connection"] as? String == "checkout", "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(try await harness.waitForStatus(id, "succeeded", seconds: 20) == "succeeded")
        return id
    }

    func refund(_ harness: Harness, _ id: String, value: Int? = nil, currency: String = "PEN", account: Bool = false,
                key: String = UUID().uuidString) async throws -> Harness.Reply {
        var fields: [String] = []
        if let value { fields.append(#""amount":{"value":\#(value),"currency":"\#(currency)"}"#) }
        if account { fields.append(#""bank_account":\#(Self.bankAccount)"#) }
        return try await harness.call("POST", "/v1/payments/\(id)/refunds", json: "{\(fields.joined(separator: ","))}",
                                      headers: [("Authorization", "Bearer \(harness.key)"), ("Idempotency-Key", key)])
    }

    func refundStatuses(_ harness: Harness, _ id: String) async throws -> [String] {
        let list = try await harness.call("GET", "/v1/payments/\(id)/refunds").json["data"] as? [[String: Any]] ?? []
        return list.compactMap { $0["status"] as? String }
    }

    func refunded(_ harness: Harness, _ id: String) async throws -> Int? {
        (try await harness.payment(id)["amount_refunded"] as? [String: Any])?["value"] as? Int
    }

    @Test func partialRefundsSumExactlyToTheTotalAndTheNextIsRefused() async throws {
        try await Harness.with { harness in
            let id = try await Self.paidCash(harness)
            for value in [5000, 4000, 6000] {
                let reply = try await refund(harness, id, value: value, account: true)
                #expect(reply.status == 201, "\(reply.text)")
                #expect(reply.json["object"] as? String == "refund")
                #expect(reply.json["connection"] as? String == "dlocal")
            }
            let over = try await refund(harness, id, value: 1, account: true)
            #expect(over.status == 422, "\(over.text)")
            #expect(over.error["code"] as? String == "amount_exceeds_remaining")
            let none = try await refund(harness, id, account: true)
            #expect(none.status == 422, "a full refund of nothing left: \(none.text)")
            try await harness.eventually("the three refunds succeed") { try await refundStatuses(harness, id) == ["succeeded", "succeeded", "succeeded"] }
            #expect(try await refunded(harness, id) == 15000)
            #expect(harness.stack.dlocal?.refunds.count == 3)
            #expect(harness.stack.dlocal?.refunds.map(\.status) == ["SUCCESS", "SUCCESS", "SUCCESS"])
            let events = try await harness.eventTypes(id)
            #expect(events.filter { $0 == "refund.pending" }.count == 3)
            #expect(events.filter { $0 == "refund.succeeded" }.count == 3)
        }
    }

    @Test func aFullRefundWithoutAnAmountGivesBackAllThatIsLeft() async throws {
        try await Harness.with { harness in
            let id = try await Self.capturedCard(harness, value: 10000)
            #expect(try await refund(harness, id, value: 2500).status == 201)
            let rest = try await refund(harness, id)
            #expect(rest.status == 201, "\(rest.text)")
            #expect((rest.json["amount"] as? [String: Any])?["value"] as? Int == 7500)
            try await harness.eventually("both refunds succeed") { try await refundStatuses(harness, id) == ["succeeded", "succeeded"] }
            #expect(try await refunded(harness, id) == 10000)
            let pspId = try #require(try await harness.payment(id)["psp_payment_id"] as? String)
            #expect(harness.stack.checkout?.status(of: pspId) == "Refunded")
        }
    }

    @Test func concurrentRefundsNeverRefundMoreThanWasCaptured() async throws {
        try await Harness.with { harness in
            let id = try await Self.capturedCard(harness, value: 10000)
            let replies = try await withThrowingTaskGroup(of: Harness.Reply.self) { group in
                for _ in 0..<8 { group.addTask { try await refund(harness, id, value: 3000) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == 201 }.count == 3, "\(replies.map(\.status))")
            #expect(replies.filter { $0.status == 422 }.count == 5, "\(replies.map(\.text))")
            try await harness.eventually("the accepted refunds succeed") { try await refundStatuses(harness, id) == ["succeeded", "succeeded", "succeeded"] }
            #expect(try await refunded(harness, id) == 9000)
            let pspId = try #require(try await harness.payment(id)["psp_payment_id"] as? String)
            #expect(harness.stack.checkout?.status(of: pspId) == "Partially Refunded")
        }
    }

    /// 50 partial refunds at once on one payment, each answered by dLocal and then notified: the refunds, their
    /// notifications and their status changes all write the same payment. Every answer is a refund (201) or a 422 that
    /// names what is left, the accepted ones never add up to more than was paid, and dLocal's notifications all get 200.
    @Test func aBurstOfRefundsOnOnePaymentIsNeverA500() async throws {
        try await Harness.with { harness in
            let id = try await Self.paidCash(harness, value: 15000)
            let replies = try await withThrowingTaskGroup(of: Harness.Reply.self) { group in
                for _ in 0..<50 { group.addTask { try await refund(harness, id, value: 400, account: true) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { [201, 422].contains($0.status) }, "\(replies.filter { ![201, 422].contains($0.status) }.map(\.text))")
            let accepted = replies.filter { $0.status == 201 }
            #expect(accepted.count == 37, "15000 holds 37 refunds of 400")
            for refused in replies where refused.status == 422 {
                #expect(refused.error["code"] as? String == "amount_exceeds_remaining", "\(refused.text)")
                #expect((refused.error["message"] as? String)?.contains("At most 200 (") == true, "\(refused.text)")
            }
            try await harness.eventually("every accepted refund settled", seconds: 60) {
                try await refundStatuses(harness, id).filter { $0 == "succeeded" }.count == 37
            }
            #expect(try await refunded(harness, id) == 14800)
            let answers = try #require(harness.stack.dlocal).sender.answers
            #expect(answers.keys.allSatisfy { (200..<300).contains($0) }, "notifications answered \(answers)")
            #expect(answers.values.reduce(0, +) >= 37)
        }
    }

    /// At the boundary: what is left can be refunded to the last minor unit, and not one unit more.
    @Test func refundingExactlyWhatIsLeftIsAcceptedAndOneUnitMoreIsNot() async throws {
        try await Harness.with { harness in
            let id = try await Self.paidCash(harness, value: 15000)
            #expect(try await refund(harness, id, value: 9999, account: true).status == 201)
            let over = try await refund(harness, id, value: 5002, account: true)
            #expect(over.status == 422, "\(over.text)")
            #expect(over.error["code"] as? String == "amount_exceeds_remaining")
            #expect((over.error["message"] as? String)?.contains("At most 5001 (") == true, "\(over.text)")
            let exact = try await refund(harness, id, value: 5001, account: true)
            #expect(exact.status == 201, "\(exact.text)")
            let none = try await refund(harness, id, value: 1, account: true)
            #expect(none.status == 422)
            #expect((none.error["message"] as? String)?.contains("Nothing is left to refund") == true)
            try await harness.eventually("both refunds settled") { try await refundStatuses(harness, id) == ["succeeded", "succeeded"] }
            #expect(try await refunded(harness, id) == 15000)
        }
    }

    /// A payer's bank account that cannot exist in the payment's country is refused before anything is written or sent,
    /// naming the field: dLocal would refuse it later, or e-mail the payer to ask again.
    @Test func aBankAccountOfTheWrongShapeIsRefusedBeforeThePSPHearsOfIt() async throws {
        try await Harness.with { harness in
            let id = try await Self.paidCash(harness)
            func refund(_ account: String) async throws -> Harness.Reply {
                try await harness.call("POST", "/v1/payments/\(id)/refunds", json: #"{"amount":{"value":100,"currency":"PEN"},"bank_account":\#(account)}"#,
                                       headers: [("Authorization", "Bearer \(harness.key)"), ("Idempotency-Key", UUID().uuidString)])
            }
            let cases: [(String, String)] = [
                (#"{"beneficiary_name":"Pedro Gomez","bank":"BCP","number":"1234","type":"savings"}"#, "bank_account.number"),
                (#"{"beneficiary_name":"Pedro Gomez","bank":"BCP","number":"1911234567801A","type":"savings"}"#, "bank_account.number"),
                (#"{"beneficiary_name":"Pedro Gomez","bank":"BCP","number":"19112345678012","type":"interbank"}"#, "bank_account.number"),
                (#"{"beneficiary_name":"Pedro Gomez","bank":"002","number":"00319100123456789012","type":"interbank"}"#, "bank_account.bank"),
                (#"{"beneficiary_name":"Pedro Gomez","bank":"B","number":"19112345678012","type":"savings"}"#, "bank_account.bank"),
            ]
            for (account, field) in cases {
                let reply = try await refund(account)
                #expect(reply.status == 422, "\(account): \(reply.text)")
                #expect(reply.error["param"] as? String == field, "\(account): \(reply.text)")
                #expect(reply.error["code"] as? String == "bank_account_invalid")
            }
            #expect(try await refundStatuses(harness, id).isEmpty, "nothing written")
            #expect(harness.stack.dlocal?.refunds.isEmpty == true, "nothing sent")
            let cci = try await refund(#"{"beneficiary_name":"Pedro Gomez","bank":"002","number":"002-191-00123456789012","type":"interbank"}"#)
            #expect(cci.status == 201, "\(cci.text)")
        }
    }

    @Test func duplicatedAndReorderedRefundWebhooksSettleEachRefundOnce() async throws {
        try await Harness.with { harness in
            let id = try await Self.capturedCard(harness, value: 10000)
            let checkout = try #require(harness.stack.checkout)
            checkout.sender.set(.init(duplicates: 3, hold: true))
            let first = try await refund(harness, id, value: 1000)
            let second = try await refund(harness, id, value: 2000)
            #expect(first.status == 201 && second.status == 201)
            #expect(first.json["status"] as? String == "pending")
            _ = await checkout.sender.release(reversed: true)
            try await harness.eventually("both refunds succeed") { try await refundStatuses(harness, id) == ["succeeded", "succeeded"] }
            // Late copies change nothing and announce nothing more.
            checkout.sender.set(.init())
            let events = try await harness.eventTypes(id)
            #expect(events.filter { $0 == "refund.succeeded" }.count == 2, "\(events)")
            #expect(try await refunded(harness, id) == 3000)
        }
    }

    @Test func dLocalRefundNotificationsDuplicatedAndReorderedSettleOnce() async throws {
        try await Harness.with { harness in
            let id = try await Self.paidCash(harness)
            let dlocal = try #require(harness.stack.dlocal)
            _ = dlocal.applySetting("hold_refunds", true)
            #expect(try await refund(harness, id, value: 3000, account: true).json["status"] as? String == "pending")
            #expect(try await refund(harness, id, value: 2000, account: true).json["status"] as? String == "pending")
            dlocal.sender.set(.init(duplicates: 2, hold: true))
            let refunds = dlocal.refunds.map(\.id)
            #expect(refunds.count == 2)
            try await dlocal.endRefund(refunds[0], as: .succeed)
            try await dlocal.endRefund(refunds[1], as: .reject)
            _ = await dlocal.sender.release(reversed: true)
            try await harness.eventually("one refund succeeds, one fails") { try await refundStatuses(harness, id) == ["succeeded", "failed"] }
            let events = try await harness.eventTypes(id)
            #expect(events.filter { $0 == "refund.succeeded" }.count == 1, "\(events)")
            #expect(events.filter { $0 == "refund.failed" }.count == 1, "\(events)")
            // The failed refund gives its amount back to what may be refunded.
            #expect(try await refunded(harness, id) == 3000)
            #expect(try await refund(harness, id, value: 12000, account: true).status == 201)
        }
    }

    @Test func aDeclinedRefundFailsWithThePSPsReasonAndFreesItsAmount() async throws {
        try await Harness.with { harness in
            let id = try await Self.capturedCard(harness, value: 10000)
            let checkout = try #require(harness.stack.checkout)
            _ = checkout.applySetting("decline_refunds", true)
            let declined = try await refund(harness, id)
            #expect(declined.status == 201)
            try await harness.eventually("the refund fails") { try await refundStatuses(harness, id) == ["failed"] }
            let refundId = try #require(declined.json["id"] as? String)
            let shown = try await harness.call("GET", "/v1/refunds/\(refundId)").json
            #expect((shown["error"] as? [String: Any])?["code"] as? String == "20057")
            #expect(try await refunded(harness, id) == 0)
            _ = checkout.applySetting("decline_refunds", false)
            #expect(try await refund(harness, id).status == 201)
            try await harness.eventually("the second refund succeeds") { try await refundStatuses(harness, id) == ["failed", "succeeded"] }
        }
    }

    @Test func theReconcilerSettlesARefundWhoseNotificationWasLost() async throws {
        let clock = TestClock()
        try await Harness.with(clock: clock) { harness in
            let id = try await Self.paidCash(harness)
            let dlocal = try #require(harness.stack.dlocal)
            _ = dlocal.applySetting("hold_refunds", true)
            let created = try await refund(harness, id, value: 5000, account: true)
            #expect(created.json["status"] as? String == "pending")
            dlocal.sender.set(.init(dropNext: 1))
            let refundId = try #require(dlocal.refunds.first?.id)
            try await dlocal.endRefund(refundId, as: .succeed)
            #expect(try await refundStatuses(harness, id) == ["pending"])
            clock.advance(by: 3600)
            let report = await harness.reconcile()
            #expect(report.actions.contains { $0.paymentId == id }, "\(report.lines)")
            #expect(try await refundStatuses(harness, id) == ["succeeded"])
            #expect(try await harness.eventTypes(id).filter { $0 == "refund.succeeded" }.count == 1)
        }
    }

    @Test func aRetryWithTheSameKeyIsTheSameRefund() async throws {
        try await Harness.with { harness in
            let id = try await Self.capturedCard(harness)
            let first = try await refund(harness, id, value: 1000, key: "refund-key-1")
            let again = try await refund(harness, id, value: 1000, key: "refund-key-1")
            #expect(first.status == 201)
            #expect(again.status == 201)
            #expect(first.json["id"] as? String == again.json["id"] as? String)
            let other = try await refund(harness, id, value: 2000, key: "refund-key-1")
            #expect(other.status == 409, "\(other.text)")
            try await harness.eventually("one refund succeeds") { try await refundStatuses(harness, id) == ["succeeded"] }
        }
    }

    @Test func refundsThatCannotBeAreRefusedAndWriteNothing() async throws {
        try await Harness.with { harness in
            // Not paid yet: a voucher waiting for the payer.
            let open = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let openId = try #require(open.json["id"] as? String)
            let unpaid = try await refund(harness, openId, value: 100)
            #expect(unpaid.status == 409)
            #expect(unpaid.error["code"] as? String == "payment_not_refundable")
            // A failed payment.
            let declined = try await harness.call("POST", "/v1/payments", json: Harness.body(country: "PE", currency: "PEN", value: 5000,
                                                                                             method: #"{"type":"card","token":"tok_decline_30004"}"#))
            let declinedId = try #require(declined.json["id"] as? String)
            #expect(try await refund(harness, declinedId).error["code"] as? String == "payment_not_refundable")
            let id = try await Self.capturedCard(harness)
            let currency = try await refund(harness, id, value: 100, currency: "USD")
            #expect(currency.status == 422)
            #expect(currency.error["code"] as? String == "currency_mismatch")
            let malformed = try await harness.call("POST", "/v1/payments/\(id)/refunds", json: #"{"amount":{"value":"10","currency":"PEN"}}"#)
            #expect(malformed.status == 422)
            let unknown = try await harness.call("POST", "/v1/payments/\(id)/refunds", json: #"{"amout":1}"#)
            #expect(unknown.error["code"] as? String == "parameter_unknown")
            let missing = try await harness.call("POST", "/v1/payments/pay_nope/refunds", json: "{}")
            #expect(missing.status == 404)
            #expect(try await refundStatuses(harness, id).isEmpty)
            #expect(try await refundStatuses(harness, openId).isEmpty)
            #expect(try await harness.call("GET", "/v1/refunds/re_nope").status == 404)
        }
    }

    @Test func aPagoEfectivoPaymentCannotBeRefundedThroughItsAPI() async throws {
        try await Harness.with(routes: "routes:\n  - name: cash\n    match: { method: cash }\n    targets: [pagoefectivo]\n  - name: default\n    targets: [dlocal]\n") { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            #expect(created.json["connection"] as? String == "pagoefectivo", "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            let cip = try #require(created.json["psp_payment_id"] as? String)
            #expect(try await harness.call("POST", "/sandbox/pagoefectivo/cips/\(cip)/pay").status == 200)
            #expect(try await harness.waitForStatus(id, "succeeded") == "succeeded")
            let refused = try await refund(harness, id)
            #expect(refused.status == 409)
            #expect(refused.error["code"] as? String == "refund_unsupported")
            #expect(try await refundStatuses(harness, id).isEmpty)
        }
    }
}
