import Foundation
import PasarelaApp
import PasarelaConsole
import PasarelaGateway
import Testing

/// The console's security and its rules editor against a running gateway: who may do what, that a refusal changes
/// nothing, and that a saved rule routes the next payment.
@Suite struct ConsoleTests {
    /// Cheaper than the standard cost: these tests sign in a dozen times in a debug build.
    static let hashing = PasswordHash(logN: 12, r: 8, p: 1)

    static func operators(_ harness: Harness) async throws -> OperatorAccounts {
        let accounts = OperatorAccounts(store: harness.stack.gateway.store, hashing: hashing)
        try await accounts.add(name: "alice", password: "correct-horse-battery", role: .editor)
        try await accounts.add(name: "bob", password: "viewer-password-1", role: .viewer)
        return accounts
    }

    func routesPath(_ harness: Harness) -> String { harness.configDirectory + "/routes.yaml" }

    @Test func signInSessionsAndCSRFRefuseWhatTheyShouldAndChangeNothing() async throws {
        let harness = try await Harness.start(copyConfig: true)
        let accounts = try await Self.operators(harness)
        let browser = ConsoleClient(base: harness.stack.gatewayURL)
        // Not signed in: pages send to the login, calls are refused.
        let anonymous = try await browser.get("/console/rules")
        #expect(anonymous.status == 303)
        #expect(anonymous.location == "/console/login?next=%2Fconsole%2Frules")
        #expect(try await browser.form("/console/rules/save", ["text": "x", "base": "y", "csrf": "z"]).status == 401)
        // A wrong password: refused, no cookie, audited.
        let wrong = try await browser.signIn("alice", "not-her-password")
        #expect(wrong.status == 401)
        #expect(wrong.headers.first(name: "Set-Cookie") == nil)
        #expect(try await harness.stack.gateway.store.audit(limit: 5).first?.action == "login.refused")
        // The right one: a session cookie the browser's scripts cannot read, sent only to the console, same site only.
        let signedIn = try await browser.signIn("alice", "correct-horse-battery")
        #expect(signedIn.status == 303)
        let cookie = try #require(signedIn.headers.first(name: "Set-Cookie"))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
        #expect(!cookie.contains("Secure"), "sandbox mode runs on plain loopback HTTP")
        let connections = try await browser.get("/console/connections")
        #expect(connections.status == 200)
        #expect(connections.text.contains("data-health=\"healthy\""))
        #expect(connections.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)

        let before = try String(contentsOfFile: routesPath(harness), encoding: .utf8)
        let base = try #require(Self.base(in: try await browser.get("/console/rules").text))
        let edited = before.replacingOccurrences(of: "targets: [dlocal, pagoefectivo]", with: "targets: [pagoefectivo, dlocal]")
        // No CSRF token, a wrong one, a foreign Origin: refused, nothing written.
        #expect(try await browser.form("/console/rules/save", ["text": edited, "base": base]).status == 403)
        #expect(try await browser.form("/console/rules/save", ["text": edited, "base": base, "csrf": "forged"]).status == 403)
        #expect(try await browser.json("/console/rules/check", ["text": edited], csrf: nil).status == 403)
        // Invalid rules are never written: 422 with the line and column.
        let invalid = try await browser.form("/console/rules/save", ["text": edited.replacingOccurrences(of: "targets: [dlocal]", with: "targets: [nowhere]"),
                                                                      "base": base, "csrf": try #require(browser.csrf)])
        #expect(invalid.status == 422)
        #expect(invalid.text.contains("routes.yaml:"))
        #expect(try String(contentsOfFile: routesPath(harness), encoding: .utf8) == before)

        // A viewer may look but not save.
        let viewer = ConsoleClient(base: harness.stack.gatewayURL)
        #expect(try await viewer.signIn("bob", "viewer-password-1").status == 303)
        #expect(try await viewer.get("/console/rules").status == 200)
        let refused = try await viewer.form("/console/rules/save", ["text": edited, "base": base, "csrf": try #require(viewer.csrf)])
        #expect(refused.status == 403)
        #expect(try String(contentsOfFile: routesPath(harness), encoding: .utf8) == before)
        #expect(try await harness.stack.gateway.store.audit(limit: 1).first?.action == "refused")

        // The editor saves: written, reloaded, audited with the diff.
        let liveBefore = harness.stack.gateway.config.snapshot.version
        let saved = try await browser.form("/console/rules/save", ["text": edited, "base": base, "csrf": try #require(browser.csrf)])
        #expect(saved.status == 303)
        #expect(try String(contentsOfFile: routesPath(harness), encoding: .utf8) == edited)
        #expect(harness.stack.gateway.config.snapshot.version != liveBefore)
        let entry = try #require(try await harness.stack.gateway.store.audit(limit: 1).first)
        #expect(entry.action == "rules.save" && entry.operatorName == "alice")
        #expect(entry.detail.contains("+    targets: [pagoefectivo, dlocal]") && entry.detail.contains("-    targets: [dlocal, pagoefectivo]"))
        // The next payment goes by the new rule.
        let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
        #expect(created.json["connection"] as? String == "pagoefectivo")
        // A second editor working from the old version gets a 409 and the diff; the file keeps the first save.
        let stale = try await browser.form("/console/rules/save", ["text": before, "base": base, "csrf": try #require(browser.csrf)])
        #expect(stale.status == 409)
        #expect(stale.text.contains("id=\"conflict\""))
        #expect(try String(contentsOfFile: routesPath(harness), encoding: .utf8) == edited)

        // Logging out ends the session: the old cookie opens nothing.
        let keptCookie = browser.cookie
        #expect(try await browser.form("/console/logout", ["csrf": try #require(browser.csrf)]).status == 303)
        browser.cookie = keptCookie
        #expect(try await browser.get("/console/connections").status == 303)
        // Sessions expire: eight hours on, the viewer's is gone.
        harness.clock.advance(by: 8 * 3600 + 1)
        #expect(try await viewer.get("/console/connections").status == 303)
        #expect(try await viewer.form("/console/logout", ["csrf": try #require(viewer.csrf)]).status == 401)
        // A disabled operator's sessions end at once.
        let again = ConsoleClient(base: harness.stack.gatewayURL)
        #expect(try await again.signIn("alice", "correct-horse-battery").status == 303)
        try await accounts.setDisabled("alice", true)
        #expect(try await again.get("/console/connections").status == 303)
        #expect(try await again.signIn("alice", "correct-horse-battery").status == 401)
        for client in [browser, viewer, again] { await client.shutdown() }
        await harness.stop()
    }

    @Test func loginsAreThrottledPerAccount() async throws {
        let harness = try await Harness.start()
        _ = try await Self.operators(harness)
        let browser = ConsoleClient(base: harness.stack.gatewayURL)
        for _ in 0..<5 { #expect(try await browser.signIn("bob", "guess-guess-guess").status == 401) }
        // Even the right password waits now.
        let throttled = try await browser.signIn("bob", "viewer-password-1")
        #expect(throttled.status == 429)
        #expect(Int(throttled.headers.first(name: "Retry-After") ?? "") ?? 0 > 0)
        // Another account from the same address is not locked out by bob's failures.
        #expect(try await browser.signIn("alice", "correct-horse-battery").status == 303)
        await browser.shutdown()
        await harness.stop()
    }

    /// Per address: failures spread over many names from one address lock that address out, not the others, and the
    /// window lets them go.
    @Test func loginsAreThrottledPerAddressAcrossAccounts() {
        let limiter = LoginLimiter(limits: .init(perAccount: 5, perAddress: 3, window: 60))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for (index, name) in ["ana", "bob", "carl"].enumerated() {
            #expect(limiter.retryAfter(account: name, address: "203.0.113.9", now: start) == nil)
            limiter.failed(account: name, address: "203.0.113.9", at: start.addingTimeInterval(Double(index)))
        }
        #expect(limiter.retryAfter(account: "dora", address: "203.0.113.9", now: start.addingTimeInterval(3)) == 57)
        #expect(limiter.retryAfter(account: "dora", address: "198.51.100.7", now: start.addingTimeInterval(3)) == nil)
        #expect(limiter.retryAfter(account: "dora", address: "203.0.113.9", now: start.addingTimeInterval(60)) == nil)
    }

    @Test func paymentActionsRunTheAPIsUseCasesOncePerForm() async throws {
        let harness = try await Harness.start()
        _ = try await Self.operators(harness)
        let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
        let id = try #require(created.json["id"] as? String)
        let editor = ConsoleClient(base: harness.stack.gatewayURL)
        #expect(try await editor.signIn("alice", "correct-horse-battery").status == 303)
        let page = try await editor.get("/console/payments/\(id)")
        #expect(page.status == 200)
        #expect(page.text.contains("id=\"timeline\"") && page.text.contains("attempt 1 on <strong>dlocal</strong>"))
        // The PSP calls are shown, the payer's data masked and no credential in sight.
        #expect(page.text.contains("create call"))
        #expect(!page.text.contains("pedro@example.com") && !page.text.contains("27662162"))
        let credentials = try #require(harness.stack.gateway.config.snapshot.connections["dlocal"]?.credentials)
        for name in ["secret_key", "trans_key"] {
            let secret = try #require(credentials.value(name))
            #expect(!page.text.contains(secret), "\(name) rendered")
        }
        let key = try #require(Self.field("idempotency_key", in: page.text, after: "/cancel\""))
        let first = try await editor.form("/console/payments/\(id)/cancel", ["csrf": try #require(editor.csrf), "idempotency_key": key])
        #expect(first.status == 303)
        #expect(try await harness.payment(id)["status"] as? String == "canceled")
        // The same form sent again is the same key: answered from the key, nothing sent to the PSP again.
        let second = try await editor.form("/console/payments/\(id)/cancel", ["csrf": try #require(editor.csrf), "idempotency_key": key])
        #expect(second.location?.contains("Already%20done") == true)
        #expect(try await harness.stack.gateway.store.audit(limit: 2).map(\.action) == ["payment.cancel", "payment.cancel"])
        // A viewer cannot act.
        let viewer = ConsoleClient(base: harness.stack.gatewayURL)
        #expect(try await viewer.signIn("bob", "viewer-password-1").status == 303)
        #expect(try await viewer.form("/console/payments/\(id)/refund", ["csrf": try #require(viewer.csrf), "idempotency_key": "k"]).status == 403)
        // Search finds it by order id across merchants.
        let order = try #require(created.json["order_id"] as? String)
        #expect(try await viewer.get("/console/payments?order=\(order)").text.contains(id))
        #expect(try await viewer.get("/console/payments?status=nonsense").status == 400)
        for client in [editor, viewer] { await client.shutdown() }
        await harness.stop()
    }

    @Test func whatIfReplaysStoredPaymentsAgainstACandidate() async throws {
        let harness = try await Harness.start()
        for _ in 0..<4 { _ = try await harness.call("POST", "/v1/payments", json: Harness.cashBody()) }
        let card = try await harness.call("POST", "/v1/payments", json: Harness.body(country: "PE", currency: "PEN", value: 5000,
                                                                                    method: #"{"type":"card","token":"tok_abc"}"#))
        #expect(card.status == 201)
        let live = harness.stack.gateway.config.snapshot
        let text = try String(contentsOfFile: Harness.repositoryRoot + "/routes.yaml", encoding: .utf8)
            .replacingOccurrences(of: "targets: [dlocal, pagoefectivo]", with: "targets: [pagoefectivo, dlocal]")
            .replacingOccurrences(of: "targets: [checkout, dlocal]\n  - name: latam-cash", with: "targets: [pagoefectivo]\n  - name: latam-cash")
        let candidate = try live.replacingRoutes(text: text)
        let now = harness.clock.now()
        let report = try await RoutingWhatIf(history: harness.stack.gateway.store, page: 2)
            .run(candidate: candidate, since: now.addingTimeInterval(-3600), until: now.addingTimeInterval(1))
        #expect(report.payments == 5)
        #expect(report.moved == 5)
        #expect(report.nowhere == 1)
        #expect(report.moves.first { $0.move.from == "dlocal" && $0.move.to == "pagoefectivo" }?.count == 4)
        #expect(report.unrouted.first?.reason.contains("pagoefectivo") == true)
        #expect(report.rules.map(\.rule) == ["peru-cash", "cards"])
        #expect(report.targets.map(\.connection) == ["pagoefectivo"])
        // The same engine, the same answer, when asked again (weights drawn from payment ids, not at random).
        let again = try await RoutingWhatIf(history: harness.stack.gateway.store)
            .run(candidate: candidate, since: now.addingTimeInterval(-3600), until: now.addingTimeInterval(1))
        #expect(again == report)
        await harness.stop()
    }

    @Test func theConsoleCanHaveItsOwnListenerOrNone() async throws {
        let apart = try await Harness.start(console: .listen(host: "127.0.0.1", port: 0))
        let consoleURL = try #require(apart.stack.consoleURL)
        #expect(!consoleURL.hasPrefix(apart.stack.gatewayURL))
        let browser = ConsoleClient(base: String(consoleURL.dropLast("/console".count)))
        #expect(try await browser.get("/console/login").status == 200)
        // The gateway's own listener does not serve it.
        let gatewaySide = ConsoleClient(base: apart.stack.gatewayURL)
        #expect(try await gatewaySide.get("/console/login").status == 404)
        await gatewaySide.shutdown()
        await browser.shutdown()
        await apart.stop()
        let none = try await Harness.start(console: .off)
        #expect(none.stack.consoleURL == nil)
        let nowhere = ConsoleClient(base: none.stack.gatewayURL)
        #expect(try await nowhere.get("/console/login").status == 404)
        await nowhere.shutdown()
        await none.stop()
    }

    @Test func paymentSearchPagesNewestFirstWithEveryPaymentOnce() async throws {
        let harness = try await Harness.start()
        _ = try await Self.operators(harness)
        var made: [String] = []
        for _ in 0..<55 {
            made.append(try #require(try await harness.call("POST", "/v1/payments", json: Harness.cashBody()).json["id"] as? String))
        }
        let viewer = ConsoleClient(base: harness.stack.gatewayURL)
        #expect(try await viewer.signIn("bob", "viewer-password-1").status == 303)
        var seen: [String] = []
        var path: String? = "/console/payments?method=cash&connection=dlocal"
        while let next = path {
            let page = try await viewer.get(next)
            #expect(page.status == 200)
            seen += Self.ids(in: page.text)
            path = Self.nextPage(in: page.text)
        }
        #expect(seen == made.reversed())
        #expect(try await viewer.get("/console/payments?from=2020-13-01").status == 400)
        await harness.stop()
    }

    /// The payment ids a search page links to, in order.
    static func ids(in html: String) -> [String] {
        html.components(separatedBy: "<a href=\"/console/payments/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    static func nextPage(in html: String) -> String? {
        guard let range = html.range(of: "id=\"next-page\" href=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    static func base(in html: String) -> String? { field("base", in: html, after: "id=\"rules-form\"") }

    /// The value of the hidden input `name` after `marker` in a page.
    static func field(_ name: String, in html: String, after marker: String) -> String? {
        guard let start = html.range(of: marker), let input = html.range(of: "name=\"\(name)\" value=\"", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[input.upperBound...].prefix { $0 != "\"" })
    }
}
