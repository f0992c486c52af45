import Foundation
import PasarelaAdapters
import PasarelaCore
import Testing

/// Checkout transforms against the payloads of PSP-PROTOCOLS.md section 2.
@Suite struct CheckoutAdapterTests {
    let adapter = CheckoutAdapter(credentials: CheckoutCredentials(secretKey: "sk_sbx_test", webhookSecret: "whsec_example_key"))
    let context = AdapterContext(connection: "checkout", baseURL: "https://api.sandbox.checkout.com",
                                 webhookURL: "https://gw.example/webhooks/checkout")

    func input(_ method: PaymentMethod, country: String = "MX", currency: String = "MXN", amount: Int64 = 25050) -> CreateInput {
        let request = PaymentRequest(amount: Money(minorUnits: amount, currency: Currency(code: currency)!), country: country, method: method,
                                     orderId: "order-9", customer: Customer(name: "Ana Ruiz", email: "ana@example.com",
                                                                           document: Document(type: "CURP", number: "RUIA800101HDFXXX09")),
                                     description: "Pedido 9", returnURL: "https://shop.example/back")
        return CreateInput(paymentId: "pay_p1", attemptId: "att_a1", request: request, now: Date(), expiresAt: Date())
    }

    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func parse(_ status: Int, _ body: [UInt8], headers: [(name: String, value: String)] = []) -> PSPOutcome {
        adapter.parseCreate(InboundMessage(status: status, headers: headers, body: body), input: input(.card(token: "tok_x")))
    }

    @Test func cardByTokenIsMinorUnitsWithBearerAndAnIdempotencyKeyPerAttempt() throws {
        let request = try adapter.buildCreate(input(.card(token: "tok_4gzeau5o2uqubbk6fufs3m7p54"), country: "PE", currency: "PEN"), context: context)
        #expect(request.url == "https://api.sandbox.checkout.com/payments")
        #expect(request.header("Authorization") == "Bearer sk_sbx_test")
        #expect(request.header("Cko-Idempotency-Key") == "att_a1")
        let json = try object(request.body)
        #expect(json["amount"] as? Int == 25050)
        #expect(json["currency"] as? String == "PEN")
        #expect(json["reference"] as? String == "att_a1")
        #expect(json["capture"] as? Bool == true)
        #expect(json["source"] as? [String: String] == ["type": "token", "token": "tok_4gzeau5o2uqubbk6fufs3m7p54"])
        #expect(json["processing_channel_id"] == nil)
        // Building the same attempt twice gives the same key: a retry replays instead of charging again.
        #expect(try adapter.buildCreate(input(.card(token: "tok_4gzeau5o2uqubbk6fufs3m7p54"), country: "PE", currency: "PEN"), context: context)
            .header("Cko-Idempotency-Key") == "att_a1")
    }

    @Test func storedCardsUseTheIdSource() throws {
        let json = try object(try adapter.buildCreate(input(.card(token: "src_nwd3m4in3hkuddfpjsaevunhdy")), context: context).body)
        #expect(json["source"] as? [String: String] == ["type": "id", "id": "src_nwd3m4in3hkuddfpjsaevunhdy"])
    }

    @Test(arguments: [("MX", "MXN", String?.none, "oxxo"), ("BR", "BRL", nil, "boleto"), ("AR", "ARS", nil, "pagofacil"),
                      ("AR", "ARS", "rapipago", "rapipago")])
    func latAmCashSources(country: String, currency: String, network: String?, type: String) throws {
        let json = try object(try adapter.buildCreate(input(.cash(network: network), country: country, currency: currency), context: context).body)
        let source = try #require(json["source"] as? [String: Any])
        #expect(source["type"] as? String == type)
        #expect(source["country"] as? String == country)
        #expect(source["integration_type"] as? String == "redirect")
        let payer = try #require(source["payer"] as? [String: String])
        #expect(payer == ["name": "Ana Ruiz", "email": "ana@example.com", "document": "RUIA800101HDFXXX09"])
    }

    @Test func peruCashIsNotACheckoutMethod() {
        #expect(adapter.unsupportedReason(input(.cash(network: nil), country: "PE", currency: "PEN").request)?.contains("PagoEfectivo") == true)
        #expect(throws: AdapterError.self) { try adapter.buildCreate(input(.bankTransfer(bank: "bcp"), country: "PE", currency: "PEN"), context: context) }
    }

    @Test func authorizedIs201Approved() throws {
        let outcome = parse(201, try Fixtures.bytes("checkout-201-authorized"))
        #expect(outcome.outcome == .pending)
        #expect(outcome.status == .authorized)
        #expect(outcome.pspPaymentId == "pay_mbabizu24mvu3mela5njyhpit4")
        #expect(outcome.pspStatus == "Authorized")
    }

    @Test func pendingWithARedirectAsksThePayerToAct() throws {
        let outcome = parse(202, try Fixtures.bytes("checkout-202-pending"))
        #expect(outcome.status == .requiresAction)
        #expect(outcome.nextAction == .redirect(url: "https://sandbox.checkout.com/LP.Core/api/payment/pay_buaz7qqsfd3ubkosrvfcmbvqhi"))
    }

    @Test(arguments: [("20051", DeclineClass.soft), ("20005", .soft), ("30004", .hard), ("30044", .hard), ("40101", .risk)])
    func declinesAreClassedByResponseCode(code: String, expected: DeclineClass) {
        let body = #"{"id":"pay_d","status":"Declined","approved":false,"response_code":"\#(code)","response_summary":"Declined"}"#
        let outcome = parse(201, Array(body.utf8))
        #expect(outcome.outcome == .declined)
        #expect(outcome.status == .failed)
        #expect(outcome.declineClass == expected)
        #expect(outcome.errorCode == code)
    }

    @Test func errorsAreClassedForFailover() throws {
        let invalid = parse(422, try Fixtures.bytes("checkout-422"))
        #expect(invalid.failureClass == .rejected)
        #expect(invalid.errorCode == "payment_source_required")
        #expect(invalid.errorMessage?.contains("0HL80RJLS76I7") == true)
        let unauthorized = parse(401, [], headers: [("Cko-Request-Id", "req-1")])
        #expect(unauthorized.outcome == .failed)
        #expect(unauthorized.failureClass == .rejected)
        #expect(unauthorized.errorMessage?.contains("req-1") == true)
        #expect(parse(429, []).failureClass == .rateLimited)
        #expect(parse(502, []).failureClass == .http5xx)
        #expect(parse(504, []).outcome == .unknown)
        #expect(parse(201, Array("not json".utf8)).outcome == .unknown)
        #expect(parse(201, Array(#"{"id":"pay_x"}"#.utf8)).outcome == .unknown)
    }

    @Test func lookupIsAnAuthenticatedGet() throws {
        let request = try adapter.buildLookup(.pspPaymentId("pay_abc"), now: Date(), context: context)
        #expect(request.method == "GET")
        #expect(request.url == "https://api.sandbox.checkout.com/payments/pay_abc")
        #expect(request.header("Authorization") == "Bearer sk_sbx_test")
        #expect(adapter.parseLookup(InboundMessage(status: 404, headers: [], body: []), key: .pspPaymentId("pay_abc")) == .notFound)
        #expect(throws: AdapterError.self) { try adapter.buildLookup(.reference("att_1"), now: Date(), context: context) }
        let found = adapter.parseLookup(InboundMessage(status: 200, headers: [], body: try Fixtures.bytes("checkout-201-authorized")),
                                        key: .pspPaymentId("pay_abc"))
        guard case .found(let outcomes) = found else { Issue.record("expected found, got \(found)"); return }
        #expect(outcomes.first?.status == .authorized)
    }

    @Test func aVoidIsAPostWithItsOwnIdempotencyKeyAndA202IsOnlyAsked() throws {
        let request = try adapter.buildCancel(CancelTarget(pspPaymentId: "pay_abc", attemptId: "att_1"), now: Date(), context: context)
        #expect(request.method == "POST")
        #expect(request.url == "https://api.sandbox.checkout.com/payments/pay_abc/voids")
        #expect(request.header("Cko-Idempotency-Key") == "void-att_1")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"reference":"att_1"}"#)
        #expect(adapter.cancels(.card, status: .authorized))
        #expect(!adapter.cancels(.cash, status: .requiresAction))
        let accepted = Array(#"{"action_id":"act_1","reference":"att_1"}"#.utf8)
        // 202 means "asked": payment_voided (or a lookup) confirms it, payment_void_declined refuses it.
        #expect(adapter.parseCancel(InboundMessage(status: 202, headers: [], body: accepted)) == .accepted)
        guard case .refused = adapter.parseCancel(InboundMessage(status: 403, headers: [], body: [])) else { Issue.record("403 refuses"); return }
        guard case .failed = adapter.parseCancel(InboundMessage(status: 502, headers: [], body: [])) else { Issue.record("502 says nothing"); return }
        guard case .failed = adapter.parseCancel(InboundMessage(status: 202, headers: [], body: Array("<html>".utf8))) else {
            Issue.record("garbage says nothing")
            return
        }
    }

    @Test func signedEventBecomesAnEventDedupedOnItsId() throws {
        let body = try Fixtures.bytes("checkout-webhook-expired")
        let message = InboundMessage(headers: [("Cko-Signature", "0b5c840100f3f91937a7de730474ddd4da2a00585b917f9baa41e49ca6b7a938")], body: body)
        let events = try adapter.parseWebhook(message, context: context)
        #expect(events == [.payment(PSPEvent(pspPaymentId: "pay_4urtxiosfxxejmzuriescptqsi", status: .expired, pspStatus: "payment_expired",
                                             reference: "ORD-5023-4E89", amount: .exact(Money(minorUnits: 300, currency: Currency(code: "EUR")!)),
                                             dedupeKey: "evt_hagjst6cjlhexnmdq5y2kvj72i"))])
    }

    @Test func forgedOrMalformedEventsAreRefused() throws {
        let body = try Fixtures.bytes("checkout-webhook-expired")
        let good = CheckoutSignature.signature(body: body, key: "whsec_example_key")
        for headers in [[], [("Cko-Signature", "00" + good.dropFirst(2))], [("Cko-Signature", "xyz")],
                        [("Cko-Signature", CheckoutSignature.signature(body: body, key: "other"))]] as [[(name: String, value: String)]] {
            #expect(throws: WebhookError.self) { try adapter.parseWebhook(InboundMessage(headers: headers, body: body), context: context) }
        }
        let junk = Array(#"{"hello":"world"}"#.utf8)
        let signed = InboundMessage(headers: [("Cko-Signature", CheckoutSignature.signature(body: junk, key: "whsec_example_key"))], body: junk)
        do {
            _ = try adapter.parseWebhook(signed, context: context)
            Issue.record("accepted a body that is not an event")
        } catch {
            guard case .malformed = error else { Issue.record("expected malformed, got \(error)"); return }
        }
    }

    func notifications(_ type: String, actionId: String = "act_1", reference: String = "re_1") throws -> [PSPNotification] {
        let body = Array(#"{"id":"evt_1","type":"\#(type)","data":{"id":"pay_1","action_id":"\#(actionId)","reference":"\#(reference)","amount":100,"currency":"MXN"}}"#.utf8)
        return try adapter.parseWebhook(InboundMessage(headers: [("Cko-Signature", CheckoutSignature.signature(body: body, key: "whsec_example_key"))],
                                                       body: body), context: context)
    }

    @Test func refundAndCaptureDeclineEventsAreReadApart() throws {
        let refunded = try #require(try notifications("payment_refunded").first?.refundEvent)
        #expect(refunded.pspPaymentId == "pay_1")
        #expect(refunded.pspRefundId == "act_1")
        #expect(refunded.reference == "re_1")
        #expect(refunded.outcome.result == .succeeded)
        #expect(refunded.outcome.amount == .exact(Money(minorUnits: 100, currency: Currency(code: "MXN")!)))
        #expect(try notifications("payment_refund_declined").first?.refundEvent?.outcome.result == .failed)
        #expect(try notifications("payment_refund_pending").first?.refundEvent?.outcome.result == .pending)
        #expect(try notifications("payment_capture_declined") == [.captureDeclined(pspPaymentId: "pay_1", reference: "re_1", dedupeKey: "evt_1")])
    }

    @Test func capturesAndRefundsAreActionsWithTheirOwnIdempotencyKeys() throws {
        let amount = Money(minorUnits: 500, currency: Currency(code: "PEN")!)
        let capture = CaptureInput(paymentId: "pay_p", pspPaymentId: "pay_abc", attemptId: "att_1", amount: amount, full: false,
                                   captureId: "cap_1", now: Date())
        let captureRequest = try adapter.buildCapture(capture, context: context)
        #expect(captureRequest.url == "https://api.sandbox.checkout.com/payments/pay_abc/captures")
        #expect(captureRequest.header("Cko-Idempotency-Key") == "cap_1")
        #expect(String(decoding: captureRequest.body, as: UTF8.self) == #"{"amount":500,"reference":"cap_1"}"#)
        let accepted = InboundMessage(status: 202, headers: [], body: Array(#"{"action_id":"act_9","reference":"cap_1"}"#.utf8))
        #expect(adapter.parseCapture(accepted, input: capture).result == .pending)
        #expect(adapter.parseCapture(InboundMessage(status: 403, headers: [], body: []), input: capture).result == .refused)
        #expect(adapter.parseCapture(InboundMessage(status: 500, headers: [], body: []), input: capture).result == .unknown)

        let refund = Refund(id: "re_1", paymentId: "pay_p", amount: amount, connection: "checkout", createdAt: Date(), updatedAt: Date())
        let input = RefundInput(refund: refund, pspPaymentId: "pay_abc", method: .card, full: false, now: Date())
        let refundRequest = try adapter.buildRefund(input, context: context)
        #expect(refundRequest.url == "https://api.sandbox.checkout.com/payments/pay_abc/refunds")
        #expect(refundRequest.header("Cko-Idempotency-Key") == "re_1")
        let pending = adapter.parseRefund(InboundMessage(status: 202, headers: [], body: Array(#"{"action_id":"act_r","reference":"re_1"}"#.utf8)),
                                          input: input)
        #expect(pending == RefundOutcome(result: .pending, pspRefundId: "act_r", pspStatus: "Refund Pending"))
        #expect(adapter.parseRefund(InboundMessage(status: 422, headers: [], body: Array(#"{"error_type":"request_invalid","error_codes":["refund_amount_exceeds_balance"]}"#.utf8)),
                                    input: input).result == .failed)
        let target = RefundTarget(refundId: "re_1", pspRefundId: "act_r", pspPaymentId: "pay_abc")
        #expect(try adapter.buildRefundLookup(target, now: Date(), context: context).url == "https://api.sandbox.checkout.com/payments/pay_abc/actions")
        let actions = #"[{"id":"act_a","type":"Authorization","approved":true},{"id":"act_r","type":"Refund","approved":true,"amount":500,"reference":"re_1"}]"#
        #expect(adapter.parseRefundLookup(InboundMessage(status: 200, headers: [], body: Array(actions.utf8)), target: target).result == .succeeded)
        let notYet = #"[{"id":"act_a","type":"Authorization","approved":true}]"#
        #expect(adapter.parseRefundLookup(InboundMessage(status: 200, headers: [], body: Array(notYet.utf8)), target: target).result == .pending)
    }

    @Test func eventTypesMapToUnifiedStatuses() throws {
        func event(_ type: String) throws -> [PSPEvent] {
            try notifications(type).compactMap(\.paymentEvent)
        }
        #expect(try event("payment_approved").first?.status == .authorized)
        #expect(try event("payment_captured").first?.status == .succeeded)
        #expect(try event("payment_pending").isEmpty)
        #expect(try event("payment_declined").first?.status == .failed)
        #expect(try event("payment_expired").first?.status == .expired)
        #expect(try event("payment_canceled").first?.status == .canceled)
        #expect(try event("payment_refunded").isEmpty)
        #expect(throws: WebhookError.self) { try event("payment_teleported") }
    }
}
