import Foundation
@testable import PasarelaGateway
import PasarelaCore
import Testing

/// The create reply and the PSP's webhooks race. With the Checkout emulator holding its reply and its webhooks and
/// releasing them in every order (before, between and after one another), a card payment always ends `succeeded`, with
/// exactly one event per state it reached, in the order reached.
@Suite struct PaymentRaceTests {
    enum Step: String, CaseIterable { case reply, approved, captured }

    static func orders() -> [[Step]] {
        let all = Step.allCases
        return all.flatMap { first in all.filter { $0 != first }.flatMap { second in
            all.filter { $0 != first && $0 != second }.map { [first, second, $0] } } }
    }

    @Test(arguments: orders())
    func aCardPaymentEndsSucceededWithOneEventPerStateWhateverTheOrder(order: [Step]) async throws {
        try await Harness.with { harness in
            let emulator = try #require(harness.stack.checkout)
            var holding = emulator.sender.current
            holding.hold = true
            emulator.sender.set(holding)
            emulator.replies.hold()
            let body = Harness.body(country: "PE", currency: "PEN", value: 9990, method: #"{"type":"card","token":"tok_race"}"#)
            let key = "race-" + order.map(\.rawValue).joined(separator: "-")
            let create = Task { try await harness.call("POST", "/v1/payments", json: body, headers: [("Authorization", "Bearer \(harness.key)"),
                                                                                                    ("Idempotency-Key", key)]) }
            // The PSP has processed the request: its answer and both notifications are waiting.
            try await harness.eventually("the reply and two webhooks held") { emulator.replies.heldCount == 1 && emulator.sender.heldCount == 2 }
            var reply: Harness.Reply?
            var released: Set<Step> = []
            for step in order {
                switch step {
                case .reply:
                    emulator.replies.release(1)
                    reply = try await create.value
                case .approved:
                    // Held in the order sent (approved, captured): approved is the oldest still held.
                    _ = await emulator.sender.release(reversed: false, count: 1)
                case .captured:
                    _ = await emulator.sender.release(reversed: released.contains(.approved) ? false : true, count: 1)
                }
                released.insert(step)
            }
            let created = try #require(reply)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(try await harness.payment(id)["status"] as? String == "succeeded")
            let expected: [String] = order.firstIndex(of: .captured)! == 0 ? ["payment.succeeded"]
                                                                            : ["payment.authorized", "payment.succeeded"]
            #expect(try await harness.eventTypes(id) == expected, "order \(order)")
            // The key replays what the merchant was first told, byte for byte.
            let again = try await harness.call("POST", "/v1/payments", json: body, headers: [("Authorization", "Bearer \(harness.key)"),
                                                                                           ("Idempotency-Key", key)])
            #expect(again.bytes == created.bytes)
            #expect(emulator.ledger.count == 1)
        }
    }

    @Test func aWriteOverAStaleReadIsDecidedAgainOnTheNewerState() async throws {
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            let gateway = harness.stack.gateway
            let stale = try #require(try await gateway.store.payment(id: id, merchantId: nil))
            // The payer pays: the webhook moves the payment on (a newer version).
            #expect(try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay").status == 200)
            #expect(try await harness.payment(id)["status"] as? String == "succeeded")
            // A fact decided on the stale read loses the compare-and-set, is decided again on the paid payment, and
            // changes nothing: the voucher cannot expire once paid.
            harness.clock.advance(by: 2 * 86_400)
            let applied = try await gateway.writer.apply(.voucherExpired, to: id, current: stale)
            #expect(applied.decision.verdict == .unchanged(.wrongStatus(.succeeded)))
            #expect(try await harness.payment(id)["status"] as? String == "succeeded")
            #expect(try await harness.eventTypes(id) == ["payment.requires_action", "payment.succeeded"])
        }
    }
}
