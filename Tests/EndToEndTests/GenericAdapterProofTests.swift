import Foundation
@testable import PasarelaGateway
import Testing

/// A second PSP of the same shape needs a YAML file, not code: this descriptor has other paths, field names,
/// units, statuses and signature scheme than PagoEfectivo's, and completes a payment and a webhook.
@Suite struct GenericAdapterProofTests {
    static func descriptor(port: Int) -> String {
        """
        kind: generic
        environment: sandbox
        base_url:
          sandbox: http://127.0.0.1:\(port)
          production: https://api.acmepay.example
        credentials:
          api_key: { env: ACME_API_KEY, sandbox_default: \(AcmePayEmulator.apiKey) }
          webhook_key: { env: ACME_WEBHOOK_KEY, sandbox_default: \(AcmePayEmulator.webhookKey) }
        supports:
          - { countries: [PE], methods: [cash], currencies: [PEN] }
        create:
          method: POST
          path: /api/v2/charges
          headers: { X-Api-Key: "{credentials.api_key}" }
          body:
            amt_cents: { $value: "{amount.minor}", $type: integer }
            ccy: "{amount.currency:lower}"
            merchant_ref: "{attempt.id}"
            expires: "{expires_at:utc}"
            callback: "{webhook_url}"
            payer: { mail: "{customer.email}", full_name: "{customer.name}" }
            tags: [pasarela, "{order_id}"]
          response:
            success: { path: result, equals: OK }
            psp_payment_id: charge.uid
            status: charge.state
            voucher_code: charge.pay_code
            voucher_url: charge.link
            expires_at: charge.valid_until
            error_message: reason
        webhook:
          signature:
            header: X-Acme-Signature
            scheme: hmac-sha256-base64
            prefix: "sha256="
            key: webhook_key
            parts: ["{header.X-Acme-Timestamp}", ".", "{body}"]
          fields:
            event_type: kind
            psp_payment_id: charge.uid
            reference: charge.merchant_ref
            amount: charge.amount_cents
            amount_format: minor
            currency: charge.ccy
            dedupe_key: [event_id]
        status_map:
          WAITING: requires_action
          charge.settled: succeeded
          charge.voided: canceled
        """
    }

    static let routes = "routes:\n  - name: acme\n    match: { country: PE, method: cash }\n    targets: [acmepay]\n  - name: default\n    targets: [dlocal]\n"

    @Test func aNewPSPWorksFromItsDescriptorAlone() async throws {
        let acme = AcmePayEmulator()
        try await acme.start()
        let port = acme.port.withLock { $0 }
        do {
            try await Harness.with(routes: Self.routes, extraAdapters: ["acmepay": Self.descriptor(port: port)]) { harness in
                let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(value: 4550))
                #expect(created.status == 201, "\(created.text)")
                #expect(created.json["connection"] as? String == "acmepay")
                #expect(created.json["status"] as? String == "requires_action")
                let action = try #require(created.json["next_action"] as? [String: Any])
                let uid = try #require(created.json["psp_payment_id"] as? String)
                #expect(action["code"] as? String == "ACME-\(uid.dropFirst(3))")
                #expect(acme.charges.withLock { $0[uid]?.cents } == 4550)
                #expect(acme.charges.withLock { $0[uid]?.currency } == "PEN")

                #expect(try await acme.settle(uid) == 200)
                let id = try #require(created.json["id"] as? String)
                #expect(try await harness.call("GET", "/v1/payments/\(id)").json["status"] as? String == "succeeded")

                // A forged event for the same charge is refused.
                let forged = Array(#"{"event_id":"ev_x","kind":"charge.voided","charge":{"uid":"\#(uid)"}}"#.utf8)
                let reply = try await harness.call("POST", "/webhooks/acmepay", body: forged,
                                                   headers: [("X-Acme-Timestamp", "1"), ("X-Acme-Signature", "sha256=AAAA")])
                #expect(reply.status == 401)
            }
        } catch {
            await acme.stop()
            throw error
        }
        await acme.stop()
    }

    /// AcmePay can neither find a charge by our reference nor take a create again safely, and says so: a charge whose
    /// answer was lost goes to an operator at once (not after half an hour of looks), is never sent again, ends
    /// `outcome_unresolved` after the last look, and a genuine notification later still makes it `succeeded`.
    @Test func aPSPThatCannotBeAskedSendsALostAnswerToAnOperatorAtOnce() async throws {
        let acme = AcmePayEmulator()
        try await acme.start()
        let port = acme.port.withLock { $0 }
        do {
            try await Harness.with(routes: Self.routes, extraAdapters: ["acmepay": Self.descriptor(port: port)]) { harness in
                let connections = try await harness.call("GET", "/v1/connections").json["data"] as? [[String: Any]] ?? []
                let listed = connections.first { $0["name"] as? String == "acmepay" }
                #expect((listed?["lost_answers"] as? String)?.contains("cannot be asked") == true, "\(listed ?? [:])")
                let doctor = await harness.stack.gateway.doctor.diagnose(connection: "acmepay")
                #expect(doctor.contains { $0.level == .warning && $0.message.contains("declare lookup_by_reference") }, "\(doctor)")
                #expect(await !harness.stack.gateway.doctor.diagnose(connection: "dlocal").contains { $0.message.contains("lookup_by_reference") })
                acme.garbleNext.withLock { $0 = 1 }
                let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(value: 4550))
                let id = try #require(created.json["id"] as? String)
                #expect(created.json["status"] as? String == "processing", "\(created.text)")
                #expect((created.json["review"] as? [String: Any])?["code"] as? String == "outcome_unknowable")
                #expect(acme.charges.withLock { $0.count } == 1, "never sent twice")
                var last = ReconcileReport()
                for _ in 0..<8 {
                    harness.clock.advance(by: 3700)
                    last = await harness.reconcile()
                }
                #expect(last.actions.first?.step == .gaveUp, "\(last.lines)")
                let ended = try await harness.payment(id)
                #expect(ended["status"] as? String == "failed")
                #expect((ended["failure"] as? [String: Any])?["code"] as? String == "outcome_unresolved")
                #expect(acme.charges.withLock { $0.count } == 1)
                let uid = try #require(acme.charges.withLock { $0.keys.first })
                #expect(try await acme.settle(uid) == 200)
                let paid = try await harness.payment(id)
                #expect(paid["status"] as? String == "succeeded")
                #expect(paid["late_payment"] as? Bool == true)
                #expect(try await harness.eventTypes(id) == ["payment.processing", "payment.failed", "payment.succeeded"])
            }
        } catch {
            await acme.stop()
            throw error
        }
        await acme.stop()
    }
}
