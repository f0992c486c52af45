import PasarelaCore
import PasarelaStore

/// The newest audit entries: who did what, when.
enum AuditPage {
    static func render(_ entries: [AuditEntry], session: ConsoleAuth.Session) -> String {
        HTML.page(title: "Audit log", session: session, active: "audit", body: HTML.table(["at (UTC)", "operator", "action", "subject", "detail"], entries.map {
            [HTML.text(Timestamps.utc($0.at)), HTML.text($0.operatorName), HTML.text($0.action), HTML.text($0.subject),
             "<pre>\(HTML.text($0.detail))</pre>"]
        }, id: "audit"))
    }
}
