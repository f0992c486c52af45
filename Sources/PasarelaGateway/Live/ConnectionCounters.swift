import Foundation
import Synchronization

/// What happened per connection on this instance since it started: webhooks refused (forged, unsigned, malformed, from a
/// refused address) and what the reconciler did, by `step:outcome`. Shown in `GET /v1/connections`.
public final class ConnectionCounters: Sendable {
    private let refused = Mutex<[String: [String: Int]]>([:])
    private let reconciled = Mutex<[String: [String: Int]]>([:])

    public init() {}

    /// - Parameter reason: `source`, `signature`, `malformed` or `stale`.
    func countRefused(_ connection: String, reason: String) { refused.withLock { $0[connection, default: [:]][reason, default: 0] += 1 } }

    func countReconciled(_ connection: String, _ label: String) {
        reconciled.withLock { $0[connection, default: [:]][label, default: 0] += 1 }
    }

    /// Webhooks refused for a connection since start.
    public func refusedWebhooks(_ connection: String) -> Int { refused.withLock { $0[connection]?.values.reduce(0, +) ?? 0 } }

    /// Webhooks refused for a connection since start, by reason.
    public func refusedWebhooksByReason(_ connection: String) -> [String: Int] { refused.withLock { $0[connection] ?? [:] } }

    /// The reconciler's counts for a connection since start.
    public func reconcilerCounts(_ connection: String) -> [String: Int] { reconciled.withLock { $0[connection] ?? [:] } }
}
