import Foundation
import PasarelaAdapters
import PasarelaConsole
import PasarelaCore
import PasarelaGateway
import PasarelaRouting
import PasarelaStore

/// Micro and store benchmarks; `Benchmarks/run` builds them in release mode and prints the table.
@main
struct Benchmarks {
    static func main() async throws {
        let root = CommandLine.arguments.dropFirst().first ?? "."
        var rows: [(String, String, String)] = []
        func time(_ name: String, iterations: Int, target: String, _ body: () throws -> Void) rethrows {
            for _ in 0..<min(iterations / 10, 1000) { try body() }
            let start = ContinuousClock.now
            for _ in 0..<iterations { try body() }
            let elapsed = ContinuousClock.now - start
            let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
            rows.append((name, String(format: "%.2f µs/op", micros / Double(iterations)), target))
        }

        let snapshot = try ConfigSnapshot.load(directory: root, env: [:])
        let request = PaymentRequest(amount: Money(minorUnits: 15000, currency: Currency(code: "PEN")!), country: "PE",
                                     method: .cash(network: nil), orderId: "order-1",
                                     customer: Customer(name: "Pedro Gomez", email: "pedro@example.com", document: Document(type: "DNI", number: "27662162")),
                                     description: "Pedido 1")
        let input = CreateInput(paymentId: "pay_1", attemptId: "att_1", request: request, now: Date(), expiresAt: Date().addingTimeInterval(86400))
        let dlocal = try DLocalAdapter(credentials: DLocalCredentials(snapshot.connections["dlocal"]!.credentials))
        let dlocalContext = AdapterContext(connection: "dlocal", baseURL: "https://sandbox.dlocal.com", webhookURL: "https://gw/webhooks/dlocal")
        try time("dLocal buildCreate (JSON + HMAC)", iterations: 20_000, target: "≤ 25 µs") { _ = try dlocal.buildCreate(input, context: dlocalContext) }
        let response = InboundMessage(status: 200, headers: [], body: Array(#"{"id":"D-4-1","amount":150,"currency":"PEN","status":"PENDING","status_code":"100","ticket":{"number":"12345678","expiration_date":"2026-11-27T04:59:00.000+0000"}}"#.utf8))
        time("dLocal parseCreate", iterations: 20_000, target: "≤ 10 µs") { _ = dlocal.parseCreate(response, input: input) }
        let date = "2026-11-30T12:00:00.000Z"
        let paid = Array(#"{"id":"D-4-1","amount":150,"currency":"PEN","payment_method_id":"EF","payment_method_type":"TICKET","country":"PE","status":"PAID","status_code":"200","status_detail":"The payment was paid.","order_id":"att_1","created_date":"2026-11-30T11:00:00.000+0000"}"#.utf8)
        let dlocalSigned = "V2-HMAC-SHA256, Signature: " + DLocalSignature.signature(login: dlocal.credentials.login, date: date, body: paid,
                                                                                      secretKey: dlocal.credentials.secretKey)
        let dlocalHook = InboundMessage(headers: [("X-Date", date), ("Authorization", dlocalSigned)], body: paid)
        try time("dLocal webhook verify + parse", iterations: 20_000, target: "≤ 25 µs") { _ = try dlocal.parseWebhook(dlocalHook, context: dlocalContext) }
        time("dLocal signature (HMAC-SHA256, hex)", iterations: 50_000, target: "≤ 5 µs") {
            _ = DLocalSignature.signature(login: "login", date: date, body: paid, secretKey: "secret")
        }
        let lookupKey = LookupKey.pspPaymentId("D-4-1")
        try time("dLocal buildLookup", iterations: 20_000, target: "≤ 25 µs") { _ = try dlocal.buildLookup(lookupKey, now: Date(), context: dlocalContext) }
        time("dLocal parseLookup", iterations: 20_000, target: "≤ 25 µs") { _ = dlocal.parseLookup(response, key: lookupKey) }
        let checkout = try CheckoutAdapter(credentials: CheckoutCredentials(snapshot.connections["checkout"]!.credentials))
        let checkoutContext = AdapterContext(connection: "checkout", baseURL: "https://api.sandbox.checkout.com", webhookURL: "https://gw/webhooks/checkout")
        var card = input
        card.request.method = .card(token: "tok_4gzeau5o2uqubbk6fufs3m7p54")
        try time("Checkout buildCreate (card)", iterations: 20_000, target: "≤ 25 µs") { _ = try checkout.buildCreate(card, context: checkoutContext) }
        let approved = InboundMessage(status: 201, headers: [], body: Array(#"{"id":"pay_abc","action_id":"act_1","amount":15000,"currency":"PEN","approved":true,"status":"Authorized","response_code":"10000","reference":"att_1"}"#.utf8))
        time("Checkout parseCreate", iterations: 20_000, target: "≤ 10 µs") { _ = checkout.parseCreate(approved, input: card) }
        let captured = Array(#"{"id":"evt_1","type":"payment_captured","created_on":"2026-11-30T12:00:00Z","data":{"id":"pay_abc","action_id":"act_2","amount":15000,"currency":"PEN","reference":"att_1"}}"#.utf8)
        let ckoHook = InboundMessage(headers: [("Cko-Signature", CheckoutSignature.signature(body: captured, key: checkout.credentials.webhookSecret))],
                                     body: captured)
        try time("Checkout webhook verify + parse", iterations: 20_000, target: "≤ 25 µs") { _ = try checkout.parseWebhook(ckoHook, context: checkoutContext) }
        let generic = GenericAdapter(descriptor: snapshot.connections["pagoefectivo"]!.generic!, credentials: snapshot.connections["pagoefectivo"]!.credentials)
        var genericContext = AdapterContext(connection: "pagoefectivo", baseURL: "https://pre1a.services.pagoefectivo.pe", webhookURL: "https://gw/webhooks/pagoefectivo")
        genericContext.token = "token"
        try time("generic (PagoEfectivo) buildCreate", iterations: 20_000, target: "≤ 25 µs") { _ = try generic.buildCreate(input, context: genericContext) }
        let body = Array(#"{"eventType":"cip.paid","operationNumber":"0001","data":{"cip":2523136,"currency":"PEN","amount":201.01,"transactionCode":"101"}}"#.utf8)
        let hook = InboundMessage(headers: [("PE-Signature", PagoEfectivoSignature.signature(body: body, secretKey: snapshot.connections["pagoefectivo"]!.credentials.value("secret_key")!))], body: body)
        try time("generic webhook verify + parse", iterations: 20_000, target: "≤ 25 µs") { _ = try generic.parseWebhook(hook, context: genericContext) }
        try time("JSONValue.parse (callback body)", iterations: 20_000, target: "< 10 µs") {
            _ = try JSONValue.parse(body)
        }
        try time("JSONDecoder → JSONValue (same body)", iterations: 20_000, target: "(reference)") {
            _ = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        }
        try time("JSONSerialization (callback body)", iterations: 20_000, target: "(reference)") {
            _ = try JSONSerialization.jsonObject(with: Data(body))
        }
        time("Router.plan (5 rules)", iterations: 50_000, target: "< 20 µs") {
            _ = RoutePlanner.plan(request, merchant: "m", snapshot: snapshot, breakers: BreakerView(), draw: 0.5)
        }

        // The console's password hash: slow on purpose (a guessed password costs this much each).
        var hashTimes: [Double] = []
        for _ in 0..<5 {
            let start = ContinuousClock.now
            _ = try PasswordHash.standard.hash("correct-horse-battery-staple")
            let elapsed = ContinuousClock.now - start
            hashTimes.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        rows.append(("operator password hash (scrypt 2^16, 8, 1)", String(format: "%.0f ms", hashTimes.sorted()[2]), "≥ 100 ms"))

        // Stores: concurrent durable creates, each acknowledged only once on disk.
        let path = NSTemporaryDirectory() + "pasarela-bench-\(UUID().uuidString).sqlite"
        let sqlite = try SQLiteStore(path: path)
        let perSecond = try await durableCreates(sqlite, request: request)
        rows.append(("SQLite durable creates, 2000 concurrent", String(format: "%.0f /s (%d commits)", perSecond, sqlite.commitCount),
                     "> 2000 /s (one fsync ≈ 3.7 ms here)"))
        try? FileManager.default.removeItem(atPath: path)
        let listPath = NSTemporaryDirectory() + "pasarela-bench-list-\(UUID().uuidString).sqlite"
        let listStore = try SQLiteStore(path: listPath)
        for (name, result) in try await lists(listStore, request: request) {
            rows.append(("SQLite " + name, result, "≤ 2 ms"))
        }
        rows.append(("SQLite routing what-if, 100k stored", try await whatIf(listStore, snapshot: snapshot), "< 2 s"))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: listPath + suffix) }
        if let url = ProcessInfo.processInfo.environment["PASARELA_TEST_POSTGRES_URL"], case .postgres(let location) = try DatabaseLocation.parse(url) {
            for pool in [10, 40] {
                let postgres = try await PostgresStore(location, poolSize: pool)
                let rate = try await durableCreates(postgres, request: request)
                rows.append(("PostgreSQL durable creates, 2000 concurrent", String(format: "%.0f /s (pool %d)", rate, pool),
                             "> 1000 /s (the server commits concurrent transactions together)"))
                if pool == 10 {
                    for (name, result) in try await lists(postgres, request: request) { rows.append(("PostgreSQL " + name, result, "≤ 2 ms")) }
                    rows.append(("PostgreSQL routing what-if, 100k stored", try await whatIf(postgres, snapshot: snapshot), "< 2 s"))
                }
                await postgres.close()
            }
        } else {
            rows.append(("PostgreSQL durable creates", "skipped", "Benchmarks/run starts a server (scripts/with-postgres)"))
        }

        let widths = [max(40, rows.map(\.0.count).max()!), max(16, rows.map(\.1.count).max()!), 10]
        func line(_ a: String, _ b: String, _ c: String) -> String {
            a.padding(toLength: widths[0], withPad: " ", startingAt: 0) + "  " + b.padding(toLength: widths[1], withPad: " ", startingAt: 0) + "  " + c
        }
        print(line("benchmark", "result", "target"))
        print(String(repeating: "-", count: widths[0] + widths[1] + 16))
        for row in rows { print(line(row.0, row.1, row.2)) }
    }

    /// Stores 100,000 payments of one merchant (90 % succeeded, 9.9 % requires_action, 0.1 % expired) and times the
    /// lists a merchant asks for: the first page of a common and of a rare status, and a page 50,000 payments deep.
    static func lists(_ store: any PaymentStore, request: PaymentRequest) async throws -> [(String, String)] {
        let merchant = "m_list_\(UUID().uuidString.prefix(6))"
        let base = Date().addingTimeInterval(-200_000)
        var ids: [String] = []
        for chunk in stride(from: 0, to: 100_000, by: 2000) {
            let made: [String] = try await withThrowingTaskGroup(of: String.self) { group in
                for index in chunk..<chunk + 2000 {
                    group.addTask {
                        let status: PaymentStatus = index % 1000 == 7 ? .expired : index % 10 == 3 ? .requiresAction : .succeeded
                        var copy = request
                        copy.orderId = "list-\(index)"
                        let at = base.addingTimeInterval(Double(index))
                        var payment = Payment(id: Identifier.make("pay"), merchantId: merchant, livemode: false, status: status, request: copy,
                                              createdAt: at, updatedAt: at)
                        payment.connection = "dlocal"
                        payment.rule = "peru-cash"
                        // Each with the attempt that took it, as stored payments have: what-if reads both.
                        let attempt = Attempt(id: Identifier.make("att"), paymentId: payment.id, sequence: 1, connection: "dlocal",
                                              pspPaymentId: "D-\(index)", outcome: index % 10 == 5 ? .declined : .succeeded, pspStatus: "PAID",
                                              declineClass: index % 10 == 5 ? .soft : nil, rule: "peru-cash", configVersion: "cfg_bench",
                                              startedAt: at, durationMs: 20 + index % 300)
                        _ = try await store.create(payment, attempts: [attempt], idempotency: nil)
                        return payment.id
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            ids += made
        }
        let deep = try await store.payments(merchantId: merchant, orderId: nil, status: nil, startingAfter: nil, limit: 100)
        var cursor = deep.last?.payment.id
        for _ in 0..<499 { cursor = try await store.payments(merchantId: merchant, orderId: nil, status: nil, startingAfter: cursor, limit: 100).last?.payment.id }
        var results: [(String, String)] = []
        for (name, status, after) in [("list 20 by status (common), 100k stored", PaymentStatus.succeeded, nil as String?),
                                      ("list 20 by status (rare), 100k stored", .expired, nil),
                                      ("list 20, 50,000 deep, 100k stored", nil, cursor),
                                      ("list 20 by status, 50,000 deep", .succeeded, cursor)] {
            var times: [Double] = []
            for _ in 0..<200 {
                let start = ContinuousClock.now
                let page = try await store.payments(merchantId: merchant, orderId: nil, status: status, startingAfter: after, limit: 20)
                let elapsed = ContinuousClock.now - start
                precondition(page.count == 20 || status == .expired, "a full page")
                times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
            }
            times.sort()
            results.append((name, String(format: "p50 %.2f ms, p99 %.2f ms", times[100], times[198])))
        }
        return results
    }

    /// Replays the 100,000 payments `lists` stored (and their attempts) against a candidate that swaps the first rule's
    /// targets: the time of the whole what-if, the middle of three runs.
    static func whatIf(_ store: any PaymentStore, snapshot: ConfigSnapshot) async throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let text = try String(contentsOfFile: root + "/routes.yaml", encoding: .utf8)
            .replacingOccurrences(of: "targets: [dlocal, pagoefectivo]", with: "targets: [pagoefectivo, dlocal]")
        let candidate = try snapshot.replacingRoutes(text: text)
        var times: [Double] = [], report: WhatIfReport?
        for _ in 0..<3 {
            let start = ContinuousClock.now
            report = try await RoutingWhatIf(history: store).run(candidate: candidate, since: Date().addingTimeInterval(-400_000), until: Date())
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        precondition(report?.payments ?? 0 >= 100_000 && report?.moved ?? 0 >= 100_000, "every stored payment replayed and moved")
        return String(format: "%.2f s (%d payments, %d moved)", times.sorted()[1], report!.payments, report!.moved)
    }

    /// Creates 2000 payments from 2000 concurrent tasks; returns creates per second.
    static func durableCreates(_ store: any PaymentStore, request: PaymentRequest, count: Int = 2000) async throws -> Double {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    var copy = request
                    copy.orderId = "o-\(index)"
                    let payment = Payment(id: Identifier.make("pay"), merchantId: "m", livemode: false, status: .processing, request: copy,
                                          createdAt: Date(), updatedAt: Date())
                    _ = try await store.create(payment, idempotency: IdempotencyClaim(key: "k-\(UUID().uuidString)", requestHash: "h"))
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
