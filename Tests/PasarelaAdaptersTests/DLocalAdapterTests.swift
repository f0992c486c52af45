import Foundation
import PasarelaAdapters
import PasarelaCore
import Testing

/// dLocal transforms against the example payloads of PSP-PROTOCOLS.md section 1.
@Suite struct DLocalAdapterTests {
    let adapter = DLocalAdapter(credentials: DLocalCredentials(login: "L0GIN", transKey: "TRANS", secretKey: "S3CRET"))
    let context = AdapterContext(connection: "dlocal", baseURL: "https://sandbox.dlocal.com/",
                                 webhookURL: "https://gw.example/webhooks/dlocal")
    let now = Date(timeIntervalSince1970: 1_519_141_482.310)   // 2018-02-20T15:44:42.310Z

    func input(_ method: PaymentMethod = .cash(network: nil), amount: Int64 = 15000, currency: String = "PEN") -> CreateInput {
        let request = PaymentRequest(
            amount: Money(minorUnits: amount, currency: Currency(code: currency)!), country: "PE", method: method,
            orderId: "order-1", customer: Customer(name: "Pedro Gomez", email: "pedro@example.com",
                                                    document: Document(type: "DNI", number: "27662162")),
            description: "Pedido 1", returnURL: "https://shop.example/back")
        return CreateInput(paymentId: "pay_1", attemptId: "att_1", request: request, now: now,
                           expiresAt: now.addingTimeInterval(86400))
    }

    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func pagoEfectivoCreateIsSignedOverTheExactBodySent() throws {
        let request = try adapter.buildCreate(input(), context: context)
        #expect(request.method == "POST")
        #expect(request.url == "https://sandbox.dlocal.com/payments")
        #expect(request.header("X-Date") == "2018-02-20T15:44:42.310Z")
        #expect(request.header("X-Login") == "L0GIN")
        #expect(request.header("X-Trans-Key") == "TRANS")
        #expect(request.header("X-Version") == "2.1")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("X-Idempotency-Key") == "att_1")
        let authorization = try #require(request.header("Authorization"))
        #expect(DLocalSignature.verify(authorization: authorization, login: "L0GIN", date: "2018-02-20T15:44:42.310Z",
                                       body: request.body, secretKey: "S3CRET"))
        let text = String(decoding: request.body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"amount":150.00,"currency":"PEN","country":"PE","payment_method_id":"EF","payment_method_flow":"DIRECT","#))
        let json = try object(request.body)
        #expect(json["order_id"] as? String == "att_1")
        #expect(json["notification_url"] as? String == "https://gw.example/webhooks/dlocal")
        #expect(json["callback_url"] as? String == "https://shop.example/back")
        let payer = try #require(json["payer"] as? [String: Any])
        #expect(payer["document"] as? String == "27662162")
        #expect(payer["document_type"] as? String == "DNI")
        #expect(json["card"] == nil)
    }

    @Test(arguments: [(PaymentMethod.bankTransfer(bank: "bcp"), "BC"), (.bankTransfer(bank: "interbank"), "IB"),
                      (.bankTransfer(bank: nil), "IO"), (.card(token: "tok_123"), "CARD")])
    func methodIds(method: PaymentMethod, id: String) throws {
        let json = try object(try adapter.buildCreate(input(method), context: context).body)
        #expect(json["payment_method_id"] as? String == id)
        if case .card = method {
            #expect((json["card"] as? [String: Any])?["token"] as? String == "tok_123")
        }
    }

    @Test func amountsAreMajorUnitsByTheCurrencyExponent() throws {
        let usd = String(decoding: try adapter.buildCreate(input(amount: 5, currency: "USD"), context: context).body, as: UTF8.self)
        #expect(usd.hasPrefix(#"{"amount":0.05,"#))
    }

    @Test func lookupIsASignedGetWithAnEmptyBody() throws {
        let request = try adapter.buildLookup(.pspPaymentId("D-4-abc"), now: now, context: context)
        #expect(request.method == "GET")
        #expect(request.url == "https://sandbox.dlocal.com/payments/D-4-abc")
        #expect(request.body.isEmpty)
        #expect(request.header("Authorization")
            == DLocalSignature.authorization(login: "L0GIN", date: "2018-02-20T15:44:42.310Z", body: [], secretKey: "S3CRET"))
    }

    @Test func pendingTicketBecomesAVoucherWithTheCIPAndExpiry() throws {
        let outcome = adapter.parseCreate(InboundMessage(status: 200, headers: [], body: try Fixtures.bytes("dlocal-ef-pending")),
                                          input: input())
        #expect(outcome.outcome == .pending)
        #expect(outcome.status == .requiresAction)
        #expect(outcome.pspPaymentId == "D-4-a291131e-f640-4579-b5de-95a709522272")
        guard case .displayVoucher(let code, _, let url, let expiry) = outcome.nextAction else {
            Issue.record("expected a voucher, got \(String(describing: outcome.nextAction))")
            return
        }
        #expect(code == "28945684")
        #expect(url == "https://pay.dlocal.com/gmf/payments/M-e622da70-5295-11ea-addf-83f8a04e38b5")
        let expiresAt = try #require(expiry)
        #expect(Timestamps.utc(expiresAt) == "2020-02-24T04:59:00Z")
        #expect(Timestamps.lima(expiresAt) == "2020-02-23T23:59:00-05:00")
        #expect(outcome.expiresAt == expiresAt)
    }

    @Test func rejectedIsADeclineClassedByStatusCode() {
        func parse(_ code: String) -> PSPOutcome {
            let body = #"{"id":"D-4-x","status":"REJECTED","status_code":"\#(code)","status_detail":"no"}"#
            return adapter.parseCreate(InboundMessage(status: 200, headers: [], body: Array(body.utf8)), input: input())
        }
        #expect(parse("302").outcome == .declined)
        #expect(parse("302").declineClass == .soft)
        #expect(parse("313").declineClass == .hard)
        #expect(parse("317").declineClass == .risk)
        #expect(parse("302").status == .failed)
        #expect(parse("302").errorCode == "302")
    }

    @Test func paidCardIsSucceeded() {
        let body = #"{"id":"D-4-x","status":"PAID","status_code":200}"#
        let outcome = adapter.parseCreate(InboundMessage(status: 200, headers: [], body: Array(body.utf8)), input: input())
        #expect(outcome.outcome == .succeeded)
        #expect(outcome.status == .succeeded)
    }

    @Test func errorBodiesAreClassedForFailover() throws {
        func parse(_ status: Int, _ body: String) -> PSPOutcome {
            adapter.parseCreate(InboundMessage(status: status, headers: [], body: Array(body.utf8)), input: input())
        }
        let cadastral = adapter.parseCreate(InboundMessage(status: 400, headers: [], body: try Fixtures.bytes("dlocal-error-5005")), input: input())
        #expect(cadastral.outcome == .failed)
        #expect(cadastral.failureClass == .rejected)
        #expect(cadastral.errorCode == "5005")
        #expect(cadastral.errorMessage == "User unauthorized due to cadastral situation")
        let missing = parse(400, #"{"code":5001,"message":"Invalid parameter","param":"payer.document"}"#)
        #expect(missing.errorMessage?.contains("payer.document") == true)
        #expect(parse(400, #"{"code":5009,"message":"Order ID duplicated"}"#).outcome == .unknown)
        #expect(parse(403, #"{"code":3001,"message":"Invalid credentials"}"#).failureClass == .rejected)
        #expect(parse(429, #"{"code":6000,"message":"Too many requests"}"#).failureClass == .rateLimited)
        #expect(parse(500, #"{"code":7000,"message":"Failed to process the request"}"#).failureClass == .http5xx)
        #expect(parse(503, "Service Unavailable").failureClass == .http5xx)
        #expect(parse(504, #"{"code":5010,"message":"Request timeout"}"#).outcome == .unknown)
        #expect(parse(418, "<html>").failureClass == .invalidResponse)
    }

    @Test func aSuccessStatusWithGarbageIsAmbiguousNotACrash() {
        for body in ["", "<html>oops</html>", "{}", #"{"id":"D-4-x"}"#, "[1,2]"] {
            let outcome = adapter.parseCreate(InboundMessage(status: 200, headers: [], body: Array(body.utf8)), input: input())
            #expect(outcome.outcome == .unknown, "body \(body)")
        }
    }

    /// A Peruvian payer with a document dLocal does not take (a carné de extranjería, a passport) is refused by the
    /// adapter itself, not only skipped by routing: whoever calls it, no request goes out with a document dLocal refuses.
    @Test func anUnsupportedPayerDocumentIsRefusedByTheAdapter() throws {
        for document in [Document(type: "CE", number: "AB1234567"), Document(type: "PAS", number: "X1234567")] {
            var create = input()
            create.request.customer.document = document
            #expect(adapter.unsupportedReason(create.request) != nil)
            #expect(throws: AdapterError.unsupported("dLocal takes DNI or RUC payers in PE, not \(document.type)")) {
                try adapter.buildCreate(create, context: context)
            }
        }
        var ruc = input()
        ruc.request.customer.document = Document(type: "RUC", number: "20123456789")
        let body = try object(try adapter.buildCreate(ruc, context: context).body)
        #expect((body["payer"] as? [String: Any])?["document_type"] as? String == "RUC")
    }

    @Test func lookupOf404SaysNotFound() {
        let answer = adapter.parseLookup(InboundMessage(status: 404, headers: [], body: Array(#"{"code":4000,"message":"Payment not found"}"#.utf8)),
                                         key: .pspPaymentId("D-4-x"))
        #expect(answer == .notFound)
        guard case .failed = adapter.parseLookup(InboundMessage(status: 500, headers: [], body: []), key: .pspPaymentId("D-4-x")) else {
            Issue.record("a 500 teaches nothing")
            return
        }
    }

    /// A create whose answer was lost is found by its order id (our attempt id): the order names the payment, which is
    /// read next by its id (the order object has no ticket). dLocal says so as its recovery.
    @Test func aLostCreateIsFoundByItsOrderId() throws {
        #expect(adapter.recovery == CreateRecovery(findsByReference: true, replay: .refusedAsDuplicate))
        #expect(adapter.recovery.unresolvable == nil)
        let request = try adapter.buildLookup(.reference("att_1/x"), now: now, context: context)
        #expect(request.method == "GET")
        #expect(request.url == "https://sandbox.dlocal.com/orders/att_1%2Fx")
        #expect(request.body.isEmpty)
        #expect(request.header("Authorization")
            == DLocalSignature.authorization(login: "L0GIN", date: "2018-02-20T15:44:42.310Z", body: [], secretKey: "S3CRET"))
        let order = #"{"order_id":"att_1/x","payment_id":"D-4-a291131e","currency":"PEN","amount":150.00,"created_date":"2020-02-18T21:30:35.000+0000","status":"PENDING","status_code":"100","status_detail":"The payment is pending."}"#
        #expect(adapter.parseLookup(InboundMessage(status: 200, headers: [], body: Array(order.utf8)), key: .reference("att_1/x"))
            == .identified(pspPaymentId: "D-4-a291131e"))
        let unknown = #"{"code":4000,"message":"Order not found"}"#
        #expect(adapter.parseLookup(InboundMessage(status: 404, headers: [], body: Array(unknown.utf8)), key: .reference("att_1")) == .notFound)
        for garbage in ["<html>", #"{"order_id":"att_1"}"#] {
            guard case .failed(let outcome) = adapter.parseLookup(InboundMessage(status: 200, headers: [], body: Array(garbage.utf8)),
                                                                  key: .reference("att_1")) else {
                Issue.record("an unreadable order teaches nothing: \(garbage)")
                continue
            }
            #expect(outcome.outcome == .unknown)
        }
        guard case .failed = adapter.parseLookup(InboundMessage(status: 503, headers: [], body: []), key: .reference("att_1")) else {
            Issue.record("a 503 teaches nothing")
            return
        }
    }

    /// 5009 on a create means dLocal holds a payment under the order id: never "not created", always "look it up".
    @Test func aRepeatedOrderIdMeansDLocalHoldsThePayment() {
        let refused = adapter.parseCreate(InboundMessage(status: 400, headers: [], body: Array(#"{"code":5009,"message":"Order ID duplicated"}"#.utf8)),
                                          input: input())
        #expect(refused.outcome == .unknown)
        #expect(refused.alreadyHeld)
        #expect(refused.errorCode == "5009")
        let other = adapter.parseCreate(InboundMessage(status: 400, headers: [], body: Array(#"{"code":5001,"message":"Invalid parameter","param":"payer.document"}"#.utf8)),
                                        input: input())
        #expect(!other.alreadyHeld)
        #expect(other.outcome == .failed)
    }

    @Test func cancelIsASignedPostAndOnlyCANCELLEDCounts() throws {
        let request = try adapter.buildCancel(CancelTarget(pspPaymentId: "D-4-abc", attemptId: "att_1"), now: now, context: context)
        #expect(request.method == "POST")
        #expect(request.url == "https://sandbox.dlocal.com/payments/D-4-abc/cancel")
        #expect(request.header("Authorization")
            == DLocalSignature.authorization(login: "L0GIN", date: "2018-02-20T15:44:42.310Z", body: [], secretKey: "S3CRET"))
        let cancelled = Array(#"{"id":"D-4-abc","status":"CANCELLED","status_code":"400"}"#.utf8)
        #expect(adapter.parseCancel(InboundMessage(status: 200, headers: [], body: cancelled)) == .canceled)
        let paid = Array(#"{"id":"D-4-abc","status":"PAID","status_code":"200"}"#.utf8)
        guard case .refused = adapter.parseCancel(InboundMessage(status: 200, headers: [], body: paid)) else { Issue.record("PAID refuses"); return }
        let invalid = Array(#"{"code":5002,"message":"Invalid transaction status"}"#.utf8)
        guard case .refused(let code, _) = adapter.parseCancel(InboundMessage(status: 400, headers: [], body: invalid)) else {
            Issue.record("5002 refuses")
            return
        }
        #expect(code == "5002")
        guard case .failed = adapter.parseCancel(InboundMessage(status: 503, headers: [], body: [])) else { Issue.record("503 says nothing"); return }
    }

    @Test func refundsArePostedWithOurIdAndTheirNotificationsReadAsRefunds() throws {
        let amount = Money(minorUnits: 5000, currency: Currency(code: "PEN")!)
        let refund = Refund(id: "re_1", paymentId: "pay_p", amount: amount, reason: "customer", connection: "dlocal",
                            bankAccount: BankAccount(beneficiaryName: "Ana", bank: "BCP", number: "191-1", type: "savings"),
                            createdAt: now, updatedAt: now)
        let input = RefundInput(refund: refund, pspPaymentId: "D-4-abc", method: .cash, full: false, now: now)
        let request = try adapter.buildRefund(input, context: context)
        #expect(request.url == "https://sandbox.dlocal.com/refunds")
        #expect(request.header("X-Idempotency-Key") == "re_1")
        let json = try object(request.body)
        #expect(json["id"] as? String == "re_1")
        #expect(json["payment_id"] as? String == "D-4-abc")
        #expect(String(decoding: request.body, as: UTF8.self).contains(#""amount":50.00"#))
        #expect(json["bank_account_type"] as? String == "S")
        #expect(json["notification_url"] as? String == context.webhookURL)
        let pending = #"{"id":"re_1","payment_id":"D-4-abc","amount":50.00,"currency":"PEN","status":"PENDING","status_code":100}"#
        #expect(adapter.parseRefund(InboundMessage(status: 200, headers: [], body: Array(pending.utf8)), input: input).result == .pending)
        let insufficient = #"{"code":5012,"message":"Insufficient funds"}"#
        #expect(adapter.parseRefund(InboundMessage(status: 400, headers: [], body: Array(insufficient.utf8)), input: input).result == .failed)
        let duplicated = #"{"code":5011,"message":"Duplicated refund id"}"#
        #expect(adapter.parseRefund(InboundMessage(status: 400, headers: [], body: Array(duplicated.utf8)), input: input).result == .unknown)
        let success = Array(#"{"id":"re_1","payment_id":"D-4-abc","amount":50.00,"currency":"PEN","status":"SUCCESS","status_code":200}"#.utf8)
        let event = try #require(try adapter.parseWebhook(signedNotification(success), context: context).first?.refundEvent)
        #expect(event.pspRefundId == "re_1")
        #expect(event.pspPaymentId == "D-4-abc")
        #expect(event.outcome.result == .succeeded)
        #expect(event.outcome.amount == .exact(amount))
        #expect(event.dedupeKey == "refund:re_1:200")
        let lookup = try adapter.buildRefundLookup(RefundTarget(refundId: "re_1", pspRefundId: "re_1", pspPaymentId: "D-4-abc"), now: now, context: context)
        #expect(lookup.url == "https://sandbox.dlocal.com/refunds/re_1/status")
        #expect(lookup.method == "GET")
    }

    @Test func aCaptureIsAPaymentOnTheAuthorization() throws {
        let amount = Money(minorUnits: 5000, currency: Currency(code: "PEN")!)
        let input = CaptureInput(paymentId: "pay_p", pspPaymentId: "D-4-auth", attemptId: "att_1", amount: amount, full: true,
                                 captureId: "cap_1", now: now)
        let request = try adapter.buildCapture(input, context: context)
        #expect(request.url == "https://sandbox.dlocal.com/payments")
        let json = try object(request.body)
        #expect(json["authorization_id"] as? String == "D-4-auth")
        #expect(json["order_id"] as? String == "cap_1")
        let paid = #"{"id":"D-4-auth","status":"PAID","status_code":"200"}"#
        #expect(adapter.parseCapture(InboundMessage(status: 200, headers: [], body: Array(paid.utf8)), input: input).result == .captured)
        let invalid = #"{"code":5002,"message":"Invalid transaction status"}"#
        #expect(adapter.parseCapture(InboundMessage(status: 400, headers: [], body: Array(invalid.utf8)), input: input).result == .refused)
    }

    @Test func anAmountThatCannotBeReadIsReportedSo() throws {
        let body = Array(#"{"id":"D-4-1","amount":72.005,"currency":"USD","status":"PAID","status_code":"200","order_id":"o"}"#.utf8)
        let event = try #require(try adapter.parseWebhook(signedNotification(body), context: context).first?.paymentEvent)
        #expect(event.amount == .unreadable("72.005 USD"))
        let unknownCurrency = Array(#"{"id":"D-4-1","amount":72,"currency":"XXX","status":"PAID","status_code":"200","order_id":"o"}"#.utf8)
        guard case .unreadable = try #require(try adapter.parseWebhook(signedNotification(unknownCurrency), context: context).first?.paymentEvent).amount else {
            Issue.record("an unknown currency is unreadable")
            return
        }
    }

    @Test func aTicketInANotificationIsThePayersVoucher() throws {
        let body = try Fixtures.bytes("dlocal-ef-pending")
        let event = try #require(try adapter.parseWebhook(signedNotification(body), context: context).first?.paymentEvent)
        #expect(event.status == .requiresAction)
        #expect(event.nextAction?.voucherCode == "28945684")
    }

    func signedNotification(_ body: [UInt8], date: String = "2019-06-26T15:20:00.000Z", secret: String = "S3CRET") -> InboundMessage {
        InboundMessage(headers: [("X-Date", date),
                                 ("Authorization", DLocalSignature.authorization(login: "L0GIN", date: date, body: body, secretKey: secret))],
                       body: body)
    }

    @Test func genuineNotificationBecomesAnEvent() throws {
        let body = try Fixtures.bytes("dlocal-notification-paid")
        let events = try adapter.parseWebhook(signedNotification(body), context: context)
        #expect(events.count == 1)
        let event = try #require(events.first?.paymentEvent)
        #expect(event.pspPaymentId == "D-4-be8eda8c-5fe7-49dd-8058-4ddaac00611b")
        #expect(event.status == .succeeded)
        #expect(event.pspStatus == "PAID")
        #expect(event.reference == "4m1OdghPUQtg")
        #expect(event.amount == .exact(Money(minorUnits: 7200, currency: Currency(code: "USD")!)))
        #expect(event.dedupeKey == "D-4-be8eda8c-5fe7-49dd-8058-4ddaac00611b:200")
    }

    @Test func forgedOrUnsignedNotificationsAreRefused() throws {
        let body = try Fixtures.bytes("dlocal-notification-paid")
        var wrongKey = signedNotification(body, secret: "not-the-secret")
        #expect(throws: WebhookError.unauthenticated("signature does not match")) { try adapter.parseWebhook(wrongKey, context: context) }
        var tampered = signedNotification(body)
        tampered.body = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "72.00", with: "7.20").utf8)
        #expect(throws: WebhookError.self) { try adapter.parseWebhook(tampered, context: context) }
        wrongKey.headers.removeAll { $0.name == "Authorization" }
        #expect(throws: WebhookError.unauthenticated("missing Authorization header")) { try adapter.parseWebhook(wrongKey, context: context) }
        var malformedHeader = signedNotification(body)
        malformedHeader.headers[1].value = "Bearer abc"
        #expect(throws: WebhookError.self) { try adapter.parseWebhook(malformedHeader, context: context) }
        var noDate = signedNotification(body)
        noDate.headers.removeFirst()
        #expect(throws: WebhookError.unauthenticated("missing X-Date header")) { try adapter.parseWebhook(noDate, context: context) }
    }

    @Test func signedButMalformedNotificationIsRefusedAsMalformed() {
        for body in [#"{"hello":"world"}"#, #"{"id":"D-4-x","status":"WEIRD","status_code":"999"}"#, "not json"] {
            do {
                _ = try adapter.parseWebhook(signedNotification(Array(body.utf8)), context: context)
                Issue.record("accepted \(body)")
            } catch {
                guard case .malformed = error else { Issue.record("expected malformed for \(body), got \(error)"); continue }
            }
        }
    }

    @Test func credentialsNeverPrintTheirValues() {
        let credentials = DeclaredCredentials(["secret_key": "S3CRET"])
        #expect(!"\(credentials)".contains("S3CRET"))
        #expect(!String(reflecting: credentials).contains("S3CRET"))
    }
}
