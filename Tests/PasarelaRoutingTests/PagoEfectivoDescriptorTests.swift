import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import Testing

/// The generic adapter driven by the repository's adapters/pagoefectivo.yaml, against PSP-PROTOCOLS.md section 3.
@Suite struct PagoEfectivoDescriptorTests {
    let adapter: GenericAdapter
    let context: AdapterContext
    /// 2020-07-20T10:00:00-05:00
    let now = Date(timeIntervalSince1970: 1_595_257_200)

    init() throws {
        let snapshot = try ConfigSnapshot.load(directory: ConfigLoadingTests.repositoryRoot, env: [
            "PAGOEFECTIVO_ID_SERVICE": "1035", "PAGOEFECTIVO_ACCESS_KEY": "ACCESSKEYEXAMPLE", "PAGOEFECTIVO_SECRET_KEY": "SECRETKEYEXAMPLE",
        ])
        let config = try #require(snapshot.connections["pagoefectivo"])
        adapter = GenericAdapter(descriptor: try #require(config.generic), credentials: config.credentials)
        context = AdapterContext(connection: "pagoefectivo", baseURL: "https://pre1a.services.pagoefectivo.pe",
                                 webhookURL: "https://gw.example/webhooks/pagoefectivo",
                                 token: "TOKEN123")
    }

    func input(amount: Int64 = 20101) -> CreateInput {
        let request = PaymentRequest(amount: Money(minorUnits: amount, currency: Currency(code: "PEN")!), country: "PE", method: .cash(network: nil),
                                     orderId: "101", customer: Customer(name: "Pedro Gomez", email: "pedro@example.com",
                                                                        document: Document(type: "DNI", number: "27662162")),
                                     description: "Pedido 101")
        return CreateInput(paymentId: "pay_1", attemptId: "att_1", request: request, now: now, expiresAt: now.addingTimeInterval(86400))
    }

    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func tokenRequestCarriesTheSpecHashAndNoSecret() throws {
        let request = try adapter.buildTokenRequest(now: now, context: context)
        #expect(request.method == "POST")
        #expect(request.url == "https://pre1a.services.pagoefectivo.pe/v1/authorizations")
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(text == #"{"accessKey":"ACCESSKEYEXAMPLE","idService":1035,"dateRequest":"2020-07-20T10:00:00-05:00","hashString":"38fd1cd459026a7975d7d9c97c347b9e5de711585a8b950f9e99b23d48067b84"}"#)
        #expect(!text.contains("SECRETKEYEXAMPLE"))
        #expect(adapter.refreshMargin == 300)
    }

    @Test func tokenResponseIsReadWithItsExpiry() throws {
        let body = #"{"code":"100","message":"Solicitud exitosa.","data":{"token":"eyJhbGciOi","codeService":"SRV","tokenStart":"2019-12-09T16:15:19-05:00","tokenExpires":"2019-12-09T18:15:19-05:00"}}"#
        let token = try adapter.parseTokenResponse(InboundMessage(status: 201, headers: [], body: Array(body.utf8)), now: now)
        #expect(token == AccessToken(value: "eyJhbGciOi", expiresAt: Timestamps.parse("2019-12-09T23:15:19Z")!))
        let refused = #"{"code":"111","message":"Credenciales inválidas"}"#
        #expect(throws: AdapterError.self) { try adapter.parseTokenResponse(InboundMessage(status: 201, headers: [], body: Array(refused.utf8)), now: now) }
        #expect(throws: AdapterError.self) { try adapter.parseTokenResponse(InboundMessage(status: 401, headers: [], body: []), now: now) }
    }

    @Test func cipRequestFollowsSection3() throws {
        let request = try adapter.buildCreate(input(), context: context)
        #expect(request.url == "https://pre1a.services.pagoefectivo.pe/v1/cips")
        #expect(request.header("Authorization") == "Bearer TOKEN123")
        #expect(request.header("Accept-Language") == "es-PE")
        #expect(request.header("Content-Type") == "application/json")
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(text.contains(#""amount":201.01,"#))
        let json = try object(request.body)
        #expect(json["currency"] as? String == "PEN")
        #expect(json["transactionCode"] as? String == "att_1")
        #expect(json["dateExpiry"] as? String == "2020-07-21T10:00:00-05:00")
        #expect(json["userEmail"] as? String == "pedro@example.com")
        #expect(json["userDocumentType"] as? String == "DNI")
        #expect(json["userDocumentNumber"] as? String == "27662162")
        #expect(json["paymentConcept"] as? String == "Pedido 101")
    }

    @Test func cipResponseBecomesAVoucher() {
        let body = #"{"code":"100","message":"Solicitud exitosa.","data":{"cip":2523136,"currency":"PEN","amount":201.01,"transactionCode":"101","dateExpiry":"2020-12-31T23:59:59-05:00","cipUrl":"https://pre1a.payment.pagoefectivo.pe/AB803C1C-3266-4CFF-A236-4D9DD5AD260A.html"}}"#
        let outcome = adapter.parseCreate(InboundMessage(status: 201, headers: [], body: Array(body.utf8)), input: input())
        #expect(outcome.outcome == .pending)
        #expect(outcome.status == .requiresAction)
        #expect(outcome.pspPaymentId == "2523136")
        #expect(outcome.nextAction == .displayVoucher(code: "2523136", barcode: nil,
                                                      voucherURL: "https://pre1a.payment.pagoefectivo.pe/AB803C1C-3266-4CFF-A236-4D9DD5AD260A.html",
                                                      expiresAt: Timestamps.parse("2021-01-01T04:59:59Z")))
    }

    @Test func refusalsAndGarbageAreClassed() {
        func parse(_ status: Int, _ body: String) -> PSPOutcome {
            adapter.parseCreate(InboundMessage(status: status, headers: [], body: Array(body.utf8)), input: input())
        }
        let refused = parse(201, #"{"code":"300","message":"transactionCode ya fue registrado"}"#)
        #expect(refused.outcome == .failed)
        #expect(refused.failureClass == .rejected)
        #expect(refused.errorCode == "300")
        #expect(refused.errorMessage == "transactionCode ya fue registrado")
        #expect(parse(400, #"{"code":"400","message":"amount inválido","data":[{"field":"amount"}]}"#).failureClass == .rejected)
        #expect(parse(503, "").failureClass == .http5xx)
        #expect(parse(201, "<html>").outcome == .unknown)
        #expect(parse(201, #"{"code":"100","data":{}}"#).outcome == .unknown)
    }

    @Test func signedCallbackBecomesAnEvent() throws {
        let body = Array(#"{"eventType":"cip.paid","operationNumber":"0001","data":{"cip":2523136,"currency":"PEN","amount":201.01,"paymentDate":"2020-07-20T11:05:00-05:00","transactionCode":"101"}}"#.utf8)
        let message = InboundMessage(headers: [("PE-Signature", "8b2a0ab7caff4d294c157634c8462d00471401bca77f7c826d0a8d8e036bc505")], body: body)
        let events = try adapter.parseWebhook(message, context: context)
        #expect(events == [.payment(PSPEvent(pspPaymentId: "2523136", status: .succeeded, pspStatus: "cip.paid", reference: "101",
                                             amount: .exact(Money(minorUnits: 20101, currency: Currency(code: "PEN")!)),
                                             dedupeKey: "2523136:cip.paid:0001"))])
    }

    /// Freshness reads the payment date a callback carries; an expiry carries none and is not refused for it, while a
    /// date that cannot be read is.
    @Test func onlyAPaidCallbackCarriesASignedTime() throws {
        let paid = Array(#"{"eventType":"cip.paid","operationNumber":"0001","data":{"cip":1,"paymentDate":"2020-07-20T11:05:00-05:00"}}"#.utf8)
        #expect(adapter.signedAt(InboundMessage(headers: [], body: paid)) == .at(Timestamps.parse("2020-07-20T11:05:00-05:00")!))
        let expired = Array(#"{"eventType":"cip.expired","operationNumber":"0002","data":{"cip":1,"currency":"PEN","amount":10.00}}"#.utf8)
        #expect(adapter.signedAt(InboundMessage(headers: [], body: expired)) == .absent)
        let nullDate = Array(#"{"eventType":"cip.expired","data":{"cip":1,"paymentDate":null}}"#.utf8)
        #expect(adapter.signedAt(InboundMessage(headers: [], body: nullDate)) == .absent)
        let garbled = Array(#"{"eventType":"cip.paid","data":{"cip":1,"paymentDate":"ayer"}}"#.utf8)
        #expect(adapter.signedAt(InboundMessage(headers: [], body: garbled)) == .unreadable("ayer"))
    }

    @Test func aSearchFindsCIPsByNumberOrByReference() throws {
        let byNumber = try adapter.buildLookup(.pspPaymentId("2523136"), now: now, context: context)
        #expect(byNumber.url == "https://pre1a.services.pagoefectivo.pe/v1/cips/search")
        #expect(String(decoding: byNumber.body, as: UTF8.self) == #"{"data":[{"cip":2523136}]}"#)
        #expect(byNumber.header("Authorization") == "Bearer TOKEN123")
        let byReference = try adapter.buildLookup(.reference("att_1"), now: now, context: context)
        #expect(String(decoding: byReference.body, as: UTF8.self) == #"{"data":[{"transactionCode":"att_1"}]}"#)
        #expect(adapter.findsByReference)
        // Found by search; when none is found the CIP request goes again, and a second CIP it may make is canceled.
        #expect(adapter.recovery == CreateRecovery(findsByReference: true, replay: .mayCreateAnother))
        #expect(adapter.recovery.mayReplay)
        let answer = #"{"code":"100","message":"ok","data":[{"cip":2523136,"currency":"PEN","amount":150.00,"transactionCode":"att_1","dateExpiry":"2026-12-01T10:00:00-05:00","status":"PENDING","cipUrl":"https://pay/x"},{"cip":2523137,"currency":"PEN","amount":150.00,"transactionCode":"att_9","status":"PAID"}]}"#
        let found = adapter.parseLookup(InboundMessage(status: 200, headers: [], body: Array(answer.utf8)), key: .reference("att_1"))
        guard case .found(let outcomes) = found else { Issue.record("expected found, got \(found)"); return }
        // Only the CIP under our reference counts.
        #expect(outcomes.count == 1)
        #expect(outcomes[0].pspPaymentId == "2523136")
        #expect(outcomes[0].status == .requiresAction)
        #expect(outcomes[0].nextAction?.voucherCode == "2523136")
        #expect(outcomes[0].amount == .exact(Money(minorUnits: 15000, currency: Currency(code: "PEN")!)))
        let none = #"{"code":"100","message":"ok","data":[]}"#
        #expect(adapter.parseLookup(InboundMessage(status: 200, headers: [], body: Array(none.utf8)), key: .reference("att_1")) == .notFound)
        guard case .failed = adapter.parseLookup(InboundMessage(status: 503, headers: [], body: []), key: .reference("att_1")) else {
            Issue.record("a 503 teaches nothing")
            return
        }
    }

    @Test func aPendingCIPIsDeleted() throws {
        let request = try adapter.buildCancel(CancelTarget(pspPaymentId: "2523136", attemptId: "att_1"), now: now, context: context)
        #expect(request.method == "DELETE")
        #expect(request.url == "https://pre1a.services.pagoefectivo.pe/v1/cips/2523136")
        #expect(adapter.cancels(.cash, status: .requiresAction))
        #expect(!adapter.cancels(.cash, status: .authorized))
        let done = #"{"code":"100","message":"ok","data":{"cip":2523136,"status":"DELETED"}}"#
        #expect(adapter.parseCancel(InboundMessage(status: 200, headers: [], body: Array(done.utf8))) == .canceled)
        let paid = #"{"code":"400","message":"El CIP no está pendiente","data":[{"code":"400","field":"cip","message":"x"}]}"#
        guard case .refused = adapter.parseCancel(InboundMessage(status: 400, headers: [], body: Array(paid.utf8))) else {
            Issue.record("a paid CIP refuses")
            return
        }
        guard case .failed = adapter.parseCancel(InboundMessage(status: 502, headers: [], body: [])) else { Issue.record("502"); return }
    }

    @Test func forgedCallbacksAreRefused() {
        let body = Array(#"{"eventType":"cip.paid","operationNumber":"0001","data":{"cip":2523136,"currency":"PEN","amount":201.01,"transactionCode":"101"}}"#.utf8)
        for headers in [[], [("PE-Signature", "8b2a0ab7caff4d294c157634c8462d00471401bca77f7c826d0a8d8e036bc505")],
                        [("PE-Signature", PagoEfectivoSignature.signature(body: body, secretKey: "guess"))]] as [[(name: String, value: String)]] {
            #expect(throws: WebhookError.self) { try adapter.parseWebhook(InboundMessage(headers: headers, body: body), context: context) }
        }
    }
}
