import Foundation
import Logging
import PasarelaAdapters
import Synchronization

/// What a connection's PSP says about its configuration: an alert per kind, raised by an answer that means the setup is
/// wrong (bad credentials, an IP not registered) or by a burst of webhooks failing their signature, shown in
/// `GET /v1/connections`, logged at warning level with the fix, counted in metrics, and cleared by the next call (or
/// verified webhook) that proves the setup right. The same board holds merchants' alerts (a notification URL the
/// outbound policy refuses), keyed by merchant id.
public final class ConnectionAlerts: Sendable {
    /// What the alerts are about: a connection's setup, or a merchant's.
    public enum Subject: String, Sendable {
        case connection, merchant
    }
    public struct Alert: Sendable, Equatable {
        public var kind: String
        public var fix: String
        public var count: Int
        public var firstAt: Date
        public var lastAt: Date
    }

    private struct State {
        var alerts: [String: [String: Alert]] = [:]
        var signatureFailures: [String: [Date]] = [:]
    }
    private let state = Mutex(State())
    let subject: Subject

    /// Webhook signature failures that make an alert: this many within the window.
    static let signatureBurst = 5
    static let signatureWindow: TimeInterval = 600

    public init(subject: Subject = .connection) { self.subject = subject }

    /// The connection's (or merchant's) alerts now, oldest first.
    public func active(_ connection: String) -> [Alert] {
        state.withLock { ($0.alerts[connection] ?? [:]).values.sorted { $0.firstAt < $1.firstAt } }
    }

    func raise(_ problem: Misconfiguration, connection: String, at now: Date, logger: Logger) {
        let first = state.withLock { state -> Bool in
            var alert = state.alerts[connection]?[problem.kind] ?? Alert(kind: problem.kind, fix: problem.fix, count: 0, firstAt: now, lastAt: now)
            alert.count += 1
            alert.lastAt = now
            alert.fix = problem.fix
            state.alerts[connection, default: [:]][problem.kind] = alert
            return alert.count == 1
        }
        GatewayMetrics.alert(subject: subject.rawValue, name: connection, kind: problem.kind)
        // Every occurrence is counted; the log says it once per alert, not once per payment.
        if first {
            logger.warning(subject == .connection ? "connection misconfigured" : "merchant setup refused",
                           metadata: [subject.rawValue: .string(connection), "alert": .string(problem.kind), "fix": .string(problem.fix)])
        }
    }

    /// A merchant's alert: what is wrong and how to fix it.
    func raise(merchant: String, kind: String, fix: String, at now: Date, logger: Logger) {
        raise(Misconfiguration(kind: kind, fix: fix), connection: merchant, at: now, logger: logger)
    }

    /// A call or webhook that went through: the kinds it disproves are cleared.
    func clear(_ connection: String, kinds: Set<String>) {
        state.withLock { state in
            for kind in kinds { state.alerts[connection]?[kind] = nil }
            if kinds.contains("webhook_signatures") { state.signatureFailures[connection] = [] }
        }
    }

    /// A webhook that failed its signature; a burst of them raises `webhook_signatures`.
    func signatureFailed(_ connection: String, at now: Date, logger: Logger) {
        let burst = state.withLock { state -> Int in
            var recent = (state.signatureFailures[connection] ?? []).filter { now.timeIntervalSince($0) < Self.signatureWindow }
            recent.append(now)
            state.signatureFailures[connection] = recent
            return recent.count
        }
        guard burst >= Self.signatureBurst else { return }
        raise(Misconfiguration(kind: "webhook_signatures", fix: "\(burst) webhooks failed their signature check within \(Int(Self.signatureWindow / 60)) minutes: the webhook secret this connection's adapter file names may not be the one the PSP signs with (or someone is sending forged webhooks)"),
              connection: connection, at: now, logger: logger)
    }
}

/// Calls in flight per connection, held under each connection's `limits.max_in_flight`.
public final class InFlightCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    func acquire(_ connection: String, limit: Int) -> Bool {
        counts.withLock { counts in
            guard counts[connection, default: 0] < limit else { return false }
            counts[connection, default: 0] += 1
            return true
        }
    }

    func release(_ connection: String) { counts.withLock { $0[connection, default: 1] -= 1 } }

    public func count(_ connection: String) -> Int { counts.withLock { $0[connection] ?? 0 } }
}
