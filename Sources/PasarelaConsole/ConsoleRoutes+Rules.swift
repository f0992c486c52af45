import Foundation
import Hummingbird
import PasarelaCore
import PasarelaGateway
import PasarelaRouting

extension ConsoleRoutes {
    func addRules(to router: some RouterMethods<Context>) {
        router.get("/console/rules") { request, _ in
            return try await guarded(request) { session in
                let (text, version) = console.editor.current()
                return ConsoleHTTP.html(.ok, RulesPage.render(text: text, version: version, live: console.gateway.config.snapshot,
                                                              session: session, notice: request.uri.queryParameters.get("saved").map {
                                                                  .saved(version: $0) }))
            }
        }
        // The editor's check on each change: problems with line and column, and the sample explained both ways.
        router.post("/console/rules/check") { request, _ in
            let body = try await ConsoleHTTP.body(request)
            return try await guarded(request, csrf: .some(request.headers[ConsoleHTTP.csrfHeader]), api: true) { _ in
                guard let call = try? JSONValue.parse(body), let text = call["text"]?.stringValue else {
                    return ConsoleHTTP.json(.badRequest, .object(["error": .string("send {\"text\": …, \"sample\": {…}}")]))
                }
                let merchant = call["sample"]?["merchant"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                let check = console.editor.check(text, sample: Self.sample(call["sample"]), merchant: merchant)
                return ConsoleHTTP.json(.ok, .object([
                    "problems": .array(check.problems.map {
                        .object(["line": .int(Int64($0.line)), "column": .int(Int64($0.column)), "message": .string($0.message),
                                 "text": .string($0.description)])
                    }),
                    "live": .string(check.sampleProblem.map { "sample: \($0)" } ?? check.live),
                    "candidate": check.candidate.map(JSONValue.string) ?? .null,
                ]))
            }
        }
        router.post("/console/rules/whatif") { request, _ in
            let body = try await ConsoleHTTP.body(request)
            return try await guarded(request, csrf: .some(request.headers[ConsoleHTTP.csrfHeader]), api: true) { _ in
                guard let call = try? JSONValue.parse(body), let text = call["text"]?.stringValue else {
                    return ConsoleHTTP.json(.badRequest, .object(["error": .string("send {\"text\": …, \"since\": \"7d\"}")]))
                }
                guard let period = RoutingWhatIf.period(call["since"]?.stringValue ?? "7d") else {
                    return ConsoleHTTP.json(.badRequest, .object(["error": .string("since takes a count and d, h or m (at most 366 days), e.g. 7d")]))
                }
                switch console.editor.candidate(text) {
                case .failure(let error):
                    return ConsoleHTTP.json(.unprocessableContent, .object(["error": .string("the rules have problems:\n" + error.description)]))
                case .success(let candidate):
                    let until = console.now()
                    return ConsoleHTTP.json(.ok, try await console.whatIf.run(candidate: candidate, since: until.addingTimeInterval(-period), until: until).json)
                }
            }
        }
        router.post("/console/rules/save") { request, _ in
            let form = ConsoleHTTP.form(try await ConsoleHTTP.body(request))
            return try await guarded(request, csrf: .some(form["csrf"]), editor: true) { session in
                let text = (form["text"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
                let live = console.gateway.config.snapshot
                switch console.editor.save(text, base: form["base"] ?? "") {
                case .invalid(let problems):
                    return ConsoleHTTP.html(.unprocessableContent, RulesPage.render(text: text, version: form["base"] ?? "", live: live, session: session,
                                                                                   notice: .invalid(problems)))
                case .conflict(let current, let diff):
                    return ConsoleHTTP.html(.conflict, RulesPage.render(text: text, version: current, live: live, session: session,
                                                                       notice: .conflict(diff)))
                case .unchanged:
                    return ConsoleHTTP.redirect("/console/rules")
                case .saved(let version, let diff, let reload):
                    var detail = LineDiff.unified(diff)
                    if case .failure(let error) = reload { detail += "\nreload refused: " + error.description }
                    try await console.auth.audit(session.person.name, "rules.save", console.editor.file, detail)
                    if case .failure(let error) = reload {
                        return ConsoleHTTP.html(.ok, RulesPage.render(text: text, version: version, live: console.gateway.config.snapshot,
                                                                      session: session, notice: .reloadRefused(error.problems)))
                    }
                    return ConsoleHTTP.redirect("/console/rules?saved=" + HTML.query(console.gateway.config.snapshot.version))
                }
            }
        }
    }

    static func sample(_ value: JSONValue?) -> SampleRequest {
        func field(_ name: String) -> String? {
            guard let text = value?[name]?.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        return SampleRequest(country: field("country") ?? "PE", currency: field("currency") ?? "PEN", method: field("method") ?? "cash",
                             amount: field("amount") ?? "100.00", document: field("document"), token: field("token"))
    }
}
