import Foundation
import Metrics
import PasarelaStore

/// The gateway's metrics, through swift-metrics (Prometheus text at `GET /metrics`). Labels carry only names Pasarela
/// chose (connections, flows, outcomes, results): never an id, an amount, a payer's data or a secret. A metrics backend
/// that fails never fails a payment: recording is fire-and-forget.
public enum GatewayMetrics {
    /// One PSP call: its connection, flow (create, lookup, cancel, capture, refund, refund_lookup, token), outcome
    /// (`http_2xx`, `http_4xx`, `http_5xx`, or a failure class such as `timeout`) and latency.
    static func pspCall(connection: String, flow: PSPFlow, outcome: String, seconds: Double) {
        let dimensions = [("connection", connection), ("flow", flow.rawValue)]
        MetricHandles.counter("pasarela_psp_calls_total", dimensions + [("outcome", outcome)]).increment()
        MetricHandles.timer("pasarela_psp_call_duration_seconds", dimensions).recordSeconds(seconds)
    }

    /// A create attempt's typed outcome (`succeeded`, `pending`, `declined`, `failed`, `unknown`).
    static func attempt(connection: String, outcome: String) {
        MetricHandles.counter("pasarela_attempts_total", [("connection", connection), ("outcome", outcome)]).increment()
    }

    /// A payment moved on from one connection to the next.
    static func failover(from: String, reason: String) {
        MetricHandles.counter("pasarela_failovers_total", [("from", from), ("reason", reason)]).increment()
    }

    /// A webhook by connection and result: applied, recorded, ignored, flagged, duplicate, orphaned, or refused_<reason>.
    static func webhook(connection: String, result: String) {
        MetricHandles.counter("pasarela_webhooks_total", [("connection", connection), ("result", result)]).increment()
    }

    static func reconcilerAction(connection: String, step: String, outcome: String) {
        MetricHandles.counter("pasarela_reconciler_actions_total", [("connection", connection), ("step", step), ("outcome", outcome)])
            .increment()
    }

    static func notification(result: String) {
        MetricHandles.counter("pasarela_notifications_total", [("result", result)]).increment()
    }

    /// `pasarela_connection_alerts_total{connection,kind}`, `pasarela_merchant_alerts_total{merchant,kind}`.
    static func alert(subject: String, name: String, kind: String) {
        MetricHandles.counter("pasarela_\(subject)_alerts_total", [(subject, name), ("kind", kind)]).increment()
    }

    static func rateLimited(merchant: String) {
        MetricHandles.counter("pasarela_rate_limited_total", [("merchant", merchant)]).increment()
    }

    /// Values read when `/metrics` is scraped: breaker states, the outbox's backlog and its oldest due notification.
    public static func refreshGauges(_ gateway: Gateway) async {
        let now = gateway.now()
        for (name, connection) in gateway.live.current.connections {
            let state = gateway.psp.breakers.snapshot(name, config: connection.config.breaker, now: now).state
            Gauge(label: "pasarela_breaker_open", dimensions: [("connection", name)]).record(state == .closed ? 0 : state == .halfOpen ? 0.5 : 1)
            Gauge(label: "pasarela_psp_calls_in_flight", dimensions: [("connection", name)]).record(Double(gateway.psp.inFlight.count(name)))
        }
        if let backlog = try? await gateway.store.outboxBacklog(now: now) {
            Gauge(label: "pasarela_outbox_pending", dimensions: []).record(Double(backlog.pending))
            Gauge(label: "pasarela_outbox_oldest_due_seconds", dimensions: []).record(backlog.oldestDue.map { max(0, now.timeIntervalSince($0)) } ?? 0)
        }
    }
}

/// The PSP flows, as metric labels and transcript names.
public enum PSPFlow: String, Sendable, Codable {
    case create, lookup, cancel, capture, refund, refundLookup = "refund_lookup", token, doctor
}
