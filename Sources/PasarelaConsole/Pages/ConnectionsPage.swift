import Foundation
import PasarelaCore
import PasarelaGateway

/// Each connection's health: breaker, success rate and latency over 5 and 60 minutes, attempts per minute, webhook
/// refusals by reason and open alerts with their fix.
enum ConnectionsPage {
    static func render(_ page: ConnectionHealth.Page, session: ConsoleAuth.Session, now: Date) -> String {
        let rows = page.rows.map { row -> [String] in
            let refusals = row.refusals.isEmpty ? "none" : row.refusals.sorted { $0.key < $1.key }.map { "\(HTML.text($0.key)) \($0.value)" }.joined(separator: ", ")
            let alerts = row.alerts.isEmpty ? "none" : row.alerts.map { "<strong>\(HTML.text($0.kind))</strong> ×\($0.count): \(HTML.text($0.fix))" }.joined(separator: "<br>")
            return [
                "<strong>\(HTML.text(row.name))</strong>", HTML.text(row.kind), HTML.text(row.environment),
                "<span class=\"\(HTML.text(row.health))\" data-health=\"\(HTML.text(row.health))\">\(HTML.text(row.health))</span> (breaker \(HTML.text(row.breaker)))",
                window(row.last5), window(row.last60),
                Sparkline.svg(row.perMinute, label: "\(row.name): attempts per minute, last 60 minutes (peak \(row.perMinute.max() ?? 0))"),
                refusals, alerts,
            ]
        }
        let truncated = page.truncatedAt.map {
            "<p class=\"notice\">More attempts than read in the last hour: the 60-minute figures start at \(HTML.text(Timestamps.utc($0))).</p>"
        } ?? ""
        return HTML.page(title: "Connections", session: session, active: "connections", body: truncated + HTML.table(
            ["connection", "kind", "environment", "health", "last 5 min", "last 60 min", "attempts / min (60 min)", "webhooks refused", "open alerts"],
            rows, id: "connections") + "<p class=\"muted\">Attempts from the store (every instance); refusals and alerts since this instance started. As of \(HTML.text(Timestamps.utc(now))).</p>")
    }

    static func window(_ window: ConnectionHealth.Window) -> String {
        let window = window.observed
        guard window.attempts > 0 else { return "<span class=\"muted\">no attempts</span>" }
        return "\(window.attempts) attempt\(window.attempts == 1 ? "" : "s"), \(HTML.percent(window.acceptRate)) taken<br>p50 \(HTML.ms(window.p50Ms)), p99 \(HTML.ms(window.p99Ms))"
            + (window.declined + window.failed + window.unknown > 0 ? "<br><span class=\"muted\">\(window.declined) declined, \(window.failed) failed, \(window.unknown) unknown</span>" : "")
    }
}
