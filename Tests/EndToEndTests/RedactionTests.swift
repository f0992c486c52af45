import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import NIOHTTP1
import Testing

/// A full flow through every connection (dLocal cash paid and refunded to a bank account, a Checkout card authorized,
/// captured and refunded, a PagoEfectivo CIP paid) in a gateway process of its own with planted credentials, API key
/// and payer data; then its JSON logs, `/metrics`, error answers, the stored transcripts, `pasarela payments show` and
/// the database files are searched for them.
@Suite struct RedactionTests {
    static let credentials = [
        "DLOCAL_X_LOGIN": "plantedLogin7Qx2", "DLOCAL_X_TRANS_KEY": "plantedTransKey5Wm9", "DLOCAL_SECRET_KEY": "plantedDlocalSecret3Rv8",
        "CHECKOUT_SECRET_KEY": "sk_sbox_plantedzz234567plantedzz234", "CHECKOUT_WEBHOOK_SECRET": "plantedCkoWebhook6Tn4",
        "PAGOEFECTIVO_ACCESS_KEY": "plantedPeAccess8Kd1", "PAGOEFECTIVO_SECRET_KEY": "plantedPeSecret2Hs7",
    ]
    static let apiKey = "sk_test_plantedApiKey0000000000000000"
    static let email = "planted.payer.7731@example.com"
    static let document = "46281937"
    static let cardToken = "tok_plantedcardtoken9f3k"
    static let bankAccount = "19198765432107"
    static let routes = """
        routes:
          - name: pe-big-cash
            match: { country: PE, method: cash, amount: { min: 600 } }
            targets: [pagoefectivo]
          - name: peru-cash
            match: { country: PE, method: cash }
            targets: [dlocal]
          - name: cards
            match: { method: card }
            targets: [checkout]
          - name: default
            targets: [dlocal]

        """

    /// What must never be found outside the payment's own record.
    static var secrets: [String] { Array(credentials.values) + [apiKey] }
    static var payerData: [String] { [email, document, cardToken, bankAccount] }

    struct Gateway {
        var url: String
        var process: PasarelaProcess
        var folder: String
    }

    func start() async throws -> Gateway {
        let folder = NSTemporaryDirectory() + "pasarela-redaction-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/adapters", withIntermediateDirectories: true)
        for file in ["dlocal.yaml", "checkout.yaml", "pagoefectivo.yaml"] {
            try FileManager.default.copyItem(atPath: Harness.repositoryRoot + "/adapters/" + file, toPath: folder + "/adapters/" + file)
        }
        try Self.routes.write(toFile: folder + "/routes.yaml", atomically: true, encoding: .utf8)
        var environment = Self.credentials
        environment["PASARELA_API_KEYS"] = "m_redact:\(Self.apiKey)"
        let process = try PasarelaProcess(["serve", "--port", "0", "--database", folder + "/p.sqlite", "--config", folder,
                                           "--log-format", "json"], folder: folder, environment: environment)
        return Gateway(url: try await process.url(after: "Pasarela listening on "), process: process, folder: folder)
    }

    func call(_ gateway: Gateway, _ method: HTTPMethod, _ path: String, _ body: String? = nil, key: String = RedactionTests.apiKey) async throws -> (Int, [String: Any], String) {
        var request = HTTPClientRequest(url: gateway.url + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Idempotency-Key", value: UUID().uuidString)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:], text)
    }

    func payment(value: Int, method: String) -> String {
        """
        {"amount":{"value":\(value),"currency":"PEN"},"country":"PE","payment_method":\(method),"order_id":"\(UUID().uuidString)",
         "description":"Pedido","capture":"\(method.contains("card") ? "manual" : "automatic")",
         "customer":{"name":"Ana Ruiz","email":"\(Self.email)","document":{"type":"DNI","number":"\(Self.document)"}}}
        """
    }

    func waitFor(_ gateway: Gateway, _ path: String, field: String, _ value: String) async throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try await call(gateway, .GET, path).1[field] as? String == value { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(path) never reached \(field) \(value)")
    }

    /// Runs the flows and returns the payment ids.
    func runFlows(_ gateway: Gateway) async throws -> [String] {
        // dLocal: a cash payment paid at an agent, refunded in part to the payer's bank account.
        let (cashStatus, cash, cashText) = try await call(gateway, .POST, "/v1/payments", payment(value: 15000, method: #"{"type":"cash"}"#))
        #expect(cashStatus == 201 && cash["connection"] as? String == "dlocal", "\(cashText)")
        let cashId = try #require(cash["id"] as? String), cashPsp = try #require(cash["psp_payment_id"] as? String)
        #expect(try await call(gateway, .POST, "/sandbox/dlocal/payments/\(cashPsp)/pay").0 == 200)
        try await waitFor(gateway, "/v1/payments/\(cashId)", field: "status", "succeeded")
        let account = #"{"beneficiary_name":"Ana Ruiz","bank":"BCP","number":"\#(Self.bankAccount)","type":"savings"}"#
        let (refundStatus, refund, refundText) = try await call(gateway, .POST, "/v1/payments/\(cashId)/refunds",
                                                                #"{"amount":{"value":5000,"currency":"PEN"},"bank_account":\#(account)}"#)
        #expect(refundStatus == 201, "\(refundText)")
        try await waitFor(gateway, "/v1/refunds/\(try #require(refund["id"] as? String))", field: "status", "succeeded")

        // Checkout: a card authorized, captured, refunded in full.
        let (cardStatus, card, cardText) = try await call(gateway, .POST, "/v1/payments",
                                                          payment(value: 8000, method: #"{"type":"card","token":"\#(Self.cardToken)"}"#))
        #expect(cardStatus == 201 && card["status"] as? String == "authorized", "\(cardText)")
        let cardId = try #require(card["id"] as? String)
        #expect(try await call(gateway, .POST, "/v1/payments/\(cardId)/capture").0 == 200)
        try await waitFor(gateway, "/v1/payments/\(cardId)", field: "status", "succeeded")
        let (cardRefundStatus, cardRefund, _) = try await call(gateway, .POST, "/v1/payments/\(cardId)/refunds", "{}")
        #expect(cardRefundStatus == 201)
        try await waitFor(gateway, "/v1/refunds/\(try #require(cardRefund["id"] as? String))", field: "status", "succeeded")

        // PagoEfectivo: a CIP paid.
        let (cipStatus, cip, cipText) = try await call(gateway, .POST, "/v1/payments", payment(value: 70000, method: #"{"type":"cash"}"#))
        #expect(cipStatus == 201 && cip["connection"] as? String == "pagoefectivo", "\(cipText)")
        let cipId = try #require(cip["id"] as? String), code = try #require(cip["psp_payment_id"] as? String)
        #expect(try await call(gateway, .POST, "/sandbox/pagoefectivo/cips/\(code)/pay").0 == 200)
        try await waitFor(gateway, "/v1/payments/\(cipId)", field: "status", "succeeded")

        // Refused requests: their errors name the problem without echoing what was sent.
        let (badStatus, _, badText) = try await call(gateway, .POST, "/v1/payments",
                                                     payment(value: 15000, method: #"{"type":"card","token":"\#(Self.cardToken)x"}"#)
                                                        .replacingOccurrences(of: "\"PEN\"", with: "\"XXX\""))
        #expect(badStatus == 422)
        #expect(!badText.contains(Self.cardToken) && !badText.contains(Self.email), "\(badText)")
        let (wrongKey, _, wrongKeyText) = try await call(gateway, .GET, "/v1/payments", key: Self.apiKey + "x")
        #expect(wrongKey == 401)
        #expect(!wrongKeyText.contains(Self.apiKey))
        return [cashId, cardId, cipId]
    }

    /// Every stored transcript, straight from the database.
    func transcripts(_ database: String) throws -> [(connection: String, flow: String, text: String)] {
        let queue = try DatabaseQueue(path: database)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT connection, flow, transcript FROM psp_calls").map { row in
                (row["connection"], row["flow"], String(decoding: row["transcript"] as Data, as: UTF8.self))
            }
        }
    }

    func found(_ needles: [String], in text: String, _ place: String) {
        for needle in needles where text.contains(needle) { Issue.record("\(needle) found in \(place)") }
    }

    @Test func plantedSecretsAndPayerDataAppearNowhere() async throws {
        let gateway = try await start()
        defer { gateway.process.stop() }
        let ids = try await runFlows(gateway)

        var request = HTTPClientRequest(url: gateway.url + "/metrics")
        request.method = .GET
        let metrics = String(buffer: try await HTTPClient.shared.execute(request, timeout: .seconds(10)).body.collect(upTo: 1 << 22))
        #expect(metrics.contains("pasarela_psp_calls_total"))
        found(Self.secrets + Self.payerData, in: metrics, "/metrics")

        var shown = ""
        for id in ids {
            let (status, json, _) = try await call(gateway, .GET, "/v1/payments/\(id)")
            #expect(status == 200)
            for attempt in try #require(json["attempts"] as? [[String: Any]]) {
                let (_, _, transcript) = try await call(gateway, .GET, "/v1/payments/\(id)/attempts/\(try #require(attempt["id"] as? String))")
                found(Self.secrets + Self.payerData, in: transcript, "the attempt transcript of \(id)")
                #expect(transcript.contains("\"request_body\""), "\(transcript.prefix(300))")
            }
            let (exit, output) = try PasarelaProcess(["payments", "show", id, "--database", gateway.folder + "/p.sqlite"],
                                                     folder: gateway.folder).finish()
            #expect(exit == 0, "\(output)")
            shown += output
        }
        found(Self.secrets + Self.payerData, in: shown, "pasarela payments show")
        #expect(shown.contains("a***@example.com") || shown.contains("p***@example.com"), "emails are shown masked")

        let stored = try transcripts(gateway.folder + "/p.sqlite")
        let flows = Set(stored.map { "\($0.connection):\($0.flow)" })
        for expected in ["dlocal:create", "dlocal:refund", "checkout:create", "checkout:capture", "checkout:refund", "pagoefectivo:create"] {
            #expect(flows.contains(expected), "no \(expected) transcript in \(flows.sorted())")
        }
        for transcript in stored { found(Self.secrets + Self.payerData, in: transcript.text, "a stored \(transcript.connection) \(transcript.flow) transcript") }
        #expect(stored.contains { $0.text.contains("***") }, "credentials are masked, not dropped")

        gateway.process.stop()
        let log = try String(contentsOfFile: gateway.process.log, encoding: .utf8)
        #expect(log.contains("\"message\":\"payment attempt\""))
        found(Self.secrets + Self.payerData, in: log, "the log")
        // No secret anywhere in the database files; the payer's data only in the payment's own record.
        for file in ["p.sqlite", "p.sqlite-wal"] {
            guard let bytes = FileManager.default.contents(atPath: gateway.folder + "/" + file) else { continue }
            found(Self.secrets, in: String(decoding: bytes, as: UTF8.self), file)
        }
    }
}
