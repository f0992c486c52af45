import PasarelaCore
import PasarelaRouting

/// `routes.yaml` as its rules and as text, with the editor: problems and the sample's plan on each change (the script
/// asks `/console/rules/check`), what-if on the stored payments, and save.
enum RulesPage {
    enum Notice {
        case saved(version: String)
        case invalid([ConfigProblem])
        case conflict([LineDiff.Line])
        case reloadRefused([ConfigProblem])
    }

    static func render(text: String, version: String, live: ConfigSnapshot, session: ConsoleAuth.Session, notice: Notice?) -> String {
        let editor = session.role == .editor
        return HTML.page(title: "Rules", session: session, active: "rules", body: """
            \(notice.map(render) ?? "")
            <h2>Live rules <span class="muted">(\(HTML.text(live.version)), first match wins)</span></h2>
            \(rules(live))
            <h2>Edit routes.yaml</h2>
            <form method="post" action="/console/rules/save" id="rules-form">
            <input type="hidden" name="csrf" value="\(HTML.text(session.csrf))">
            <input type="hidden" name="base" value="\(HTML.text(version))">
            <div class="cols"><div>
            <textarea name="text" id="rules-text" spellcheck="false">\(HTML.text(text))</textarea>
            <p>Check: <span id="check-state" class="muted">…</span></p><ul class="problems" id="problems"></ul>
            <p>\(editor ? "<button type=\"submit\" id=\"save\">Save and reload</button>" : "<span class=\"muted\">Viewers cannot save.</span>")
            <span class="muted">The file is written only when valid and only if nobody saved since you opened it.</span></p>
            </div><div>
            <div class="box"><strong>Sample payment</strong><br>
            \(sampleField("country", "PE")) \(sampleField("currency", "PEN")) \(sampleField("method", "cash"))
            \(sampleField("amount", "100.00")) \(sampleField("document", "DNI")) \(sampleField("token", ""))
            \(sampleField("merchant", ""))</div>
            <h3>Under the live rules</h3><pre id="explain-live"></pre>
            <h3>Under the edited rules</h3><pre id="explain-candidate"></pre>
            <p class="muted">Breakers are left out of both: this compares rules.</p>
            </div></div>
            </form>
            <h2>What-if on stored payments</h2>
            <p>Replay the payments of the last <input id="whatif-since" value="7d" size="5"> against the edited rules
            <button type="button" id="whatif-run">Run what-if</button></p>
            <div id="whatif"></div>
            """)
    }

    static func sampleField(_ name: String, _ value: String) -> String {
        "<label>\(name) <input id=\"sample-\(name)\" value=\"\(HTML.text(value))\" size=\"8\"></label>"
    }

    static func render(_ notice: Notice) -> String {
        switch notice {
        case .saved(let version):
            return "<p class=\"notice\" id=\"saved\">Saved and reloaded: config \(HTML.text(version)) is live.</p>"
        case .invalid(let problems):
            return "<div class=\"notice error\" id=\"invalid\">Not saved: the rules have problems.<ul class=\"problems\">"
                + problems.map { "<li>\(HTML.text($0.description))</li>" }.joined() + "</ul></div>"
        case .conflict(let diff):
            return "<div class=\"notice error\" id=\"conflict\">Not saved: somebody saved routes.yaml since you opened it. "
                + "What would change from the file as it is now to your edit (your edit is below, based on the new version: save again to overwrite):"
                + "<pre class=\"diff\">" + diff.map(line).joined(separator: "\n") + "</pre></div>"
        case .reloadRefused(let problems):
            return "<div class=\"notice error\">Saved, but the gateway refused to reload the config (the previous one stays live):<ul class=\"problems\">"
                + problems.map { "<li>\(HTML.text($0.description))</li>" }.joined() + "</ul></div>"
        }
    }

    static func line(_ line: LineDiff.Line) -> String {
        switch line {
        case .same(let text): "  " + HTML.text(text)
        case .added(let text): "<span class=\"add\">+ \(HTML.text(text))</span>"
        case .removed(let text): "<span class=\"del\">- \(HTML.text(text))</span>"
        }
    }

    static func rules(_ snapshot: ConfigSnapshot) -> String {
        HTML.table(["rule", "matches", "targets", "attempts and failover"], snapshot.routes.rules.map { rule in
            let match = rule.match
            var parts: [String] = []
            if !match.countries.isEmpty { parts.append("country " + match.countries.sorted().joined(separator: ", ")) }
            if !match.currencies.isEmpty { parts.append("currency " + match.currencies.sorted().joined(separator: ", ")) }
            if !match.methods.isEmpty { parts.append("method " + match.methods.map(\.rawValue).sorted().joined(separator: ", ")) }
            if !match.merchants.isEmpty { parts.append("merchant " + match.merchants.sorted().joined(separator: ", ")) }
            if let min = match.minAmount { parts.append("amount ≥ \(min)") }
            if let max = match.maxAmount { parts.append("amount ≤ \(max)") }
            for (key, values) in match.metadata.sorted(by: { $0.key < $1.key }) { parts.append("metadata.\(key) \(values.sorted().joined(separator: ", "))") }
            let targets = rule.targets.map { $0.connection + ($0.weight.map { " (weight \($0))" } ?? "") }.joined(separator: " → ")
            let failover = rule.policy.failoverOn.map(\.rawValue).sorted().joined(separator: ", ")
            return [HTML.text(rule.name), HTML.text(parts.isEmpty ? "everything" : parts.joined(separator: "; ")), HTML.text(targets),
                    HTML.text("at most \(rule.policy.maxAttempts); fail over on \(failover.isEmpty ? "nothing" : failover)")]
        }, id: "live-rules")
    }
}
