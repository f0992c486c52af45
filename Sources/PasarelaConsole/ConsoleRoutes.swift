import Foundation
import Hummingbird
import NIOCore
import PasarelaCore
import PasarelaGateway

/// The console's routes, mounted under `/console`. Every page but the login needs a session; every POST also needs the
/// session's CSRF token (form field `csrf` or header `X-CSRF-Token`) and a same-site `Origin`; what changes something
/// needs the editor role and goes to the audit log.
public struct ConsoleRoutes<Context: RemoteAddressRequestContext>: Sendable {
    let console: Console

    public init(console: Console) { self.console = console }

    enum Gate {
        case pass(ConsoleAuth.Session)
        case stop(Response)
    }

    /// The session a request carries, checked for what the request does.
    /// - Parameters:
    ///   - csrf: for a POST, the token it sent (`nil` for a page).
    ///   - editor: whether the request changes something.
    ///   - api: answer refusals as JSON (the rules page's calls) instead of pages.
    func gate(_ request: Request, csrf: String?? = nil, editor: Bool = false, api: Bool = false) async throws -> Gate {
        let session = try await ConsoleHTTP.cookie(request, ConsoleAuth.cookie).asyncMap { try await console.auth.session(token: $0) } ?? nil
        func refuse(_ status: HTTPResponse.Status, _ message: String) -> Gate {
            .stop(api ? ConsoleHTTP.json(status, .object(["error": .string(message)]))
                      : ConsoleHTTP.html(status, HTML.page(title: "Refused", session: session,
                                                           body: "<p class=\"notice error\" id=\"refused\">\(HTML.text(message))</p>")))
        }
        guard let session else {
            if csrf == nil, !api { return .stop(ConsoleHTTP.redirect("/console/login?next=" + HTML.query(request.uri.path))) }
            return refuse(.unauthorized, "Not signed in, or the session expired: sign in again.")
        }
        if let csrf {
            guard ConsoleHTTP.sameOrigin(request) else { return refuse(.forbidden, "Refused: the request came from another site.") }
            guard ConsoleAuth.csrfMatches(csrf, session) else { return refuse(.forbidden, "Refused: the form's CSRF token is missing or stale. Reload the page.") }
        }
        if editor, session.role != .editor {
            try await console.auth.audit(session.person.name, "refused", request.uri.path, "needs the editor role")
            return refuse(.forbidden, "Refused: \(session.person.name) is a viewer; this needs the editor role.")
        }
        return .pass(session)
    }

    /// `body` with the request's session when ``gate(_:csrf:editor:api:)`` lets it through; its refusal otherwise.
    func guarded(_ request: Request, csrf: String?? = nil, editor: Bool = false, api: Bool = false,
                 _ body: (ConsoleAuth.Session) async throws -> Response) async throws -> Response {
        switch try await gate(request, csrf: csrf, editor: editor, api: api) {
        case .stop(let response): return response
        case .pass(let session): return try await body(session)
        }
    }

    public func add(to router: some RouterMethods<Context>) {
        router.get("/console") { _, _ in ConsoleHTTP.redirect("/console/connections") }
        router.get("/console/assets/console.css") { _, _ in ConsoleHTTP.asset(Assets.css, type: "text/css; charset=utf-8") }
        router.get("/console/assets/console.js") { _, _ in ConsoleHTTP.asset(Assets.js, type: "text/javascript; charset=utf-8") }
        addSignIn(to: router)
        addPages(to: router)
        addRules(to: router)
        addActions(to: router)
    }

    func addSignIn(to router: some RouterMethods<Context>) {
        router.get("/console/login") { request, _ in
            ConsoleHTTP.html(.ok, LoginPage.render(next: request.uri.queryParameters.get("next"), message: nil))
        }
        router.post("/console/login") { request, context in
            guard ConsoleHTTP.sameOrigin(request) else { return ConsoleHTTP.html(.forbidden, LoginPage.render(next: nil, message: "Refused: another site.")) }
            let form = ConsoleHTTP.form(try await ConsoleHTTP.body(request))
            let name = form["name"] ?? "", password = form["password"] ?? ""
            let next = LoginPage.safeNext(form["next"])
            switch try await console.auth.login(name: String(name.prefix(64)), password: password, address: context.remoteAddress?.ipAddress ?? "unknown") {
            case .signedIn(let session):
                return ConsoleHTTP.redirect(next, cookie: ConsoleHTTP.sessionCookie(session.token, maxAge: Int(console.auth.lifetime),
                                                                                     secure: console.secureCookies))
            case .refused:
                return ConsoleHTTP.html(.unauthorized, LoginPage.render(next: next, message: "Wrong name or password."))
            case .throttled(let wait):
                var response = ConsoleHTTP.html(.tooManyRequests, LoginPage.render(next: next, message: "Too many failed logins: try again in \(wait) s."))
                response.headers[.retryAfter] = String(wait)
                return response
            }
        }
        router.post("/console/logout") { request, _ in
            let form = ConsoleHTTP.form(try await ConsoleHTTP.body(request))
            return try await guarded(request, csrf: .some(form["csrf"])) { session in
                try await console.auth.logout(session)
                return ConsoleHTTP.redirect("/console/login", cookie: ConsoleHTTP.clearedCookie(secure: console.secureCookies))
            }
        }
    }

    func addPages(to router: some RouterMethods<Context>) {
        router.get("/console/connections") { request, _ in
            return try await guarded(request) { session in
                return ConsoleHTTP.html(.ok, ConnectionsPage.render(try await console.health.page(), session: session, now: console.now()))
            }
        }
        router.get("/console/payments") { request, _ in
            return try await guarded(request) { session in
                let query = request.uri.queryParameters
                let (search, problem) = PaymentsPage.search(from: { query.get($0) })
                let found = problem == nil ? try await console.store.searchPayments(search) : []
                return ConsoleHTTP.html(problem == nil ? .ok : .badRequest, PaymentsPage.render(found, search: search, problem: problem, session: session,
                                                                                                 connections: console.gateway.config.snapshot.connections.keys.sorted()))
            }
        }
        router.get("/console/payments/:id") { request, context in
            return try await guarded(request) { session in
                let id = context.parameters.get("id") ?? ""
                guard let stored = try await console.gateway.store.payment(id: id, merchantId: nil) else {
                    return ConsoleHTTP.html(.notFound, HTML.page(title: "No such payment", session: session, active: "payments",
                                                                 body: "<p>No payment \(HTML.text(String(id.prefix(80)))).</p>"))
                }
                let calls = try await console.gateway.store.calls(paymentId: id, attemptId: nil)
                let timeline = try await console.store.timeline(paymentId: id)
                let message = request.uri.queryParameters.get("done")
                return ConsoleHTTP.html(.ok, PaymentPage.render(stored, calls: calls, timeline: timeline, session: session, message: message))
            }
        }
        router.get("/console/audit") { request, _ in
            return try await guarded(request) { session in
                return ConsoleHTTP.html(.ok, AuditPage.render(try await console.store.audit(limit: 200), session: session))
            }
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
