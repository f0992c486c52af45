import Foundation
import PasarelaCore
import PasarelaStore

/// The console's connections page: each connection's kind, environment, breaker, open alerts (with their fix), webhook
/// refusals by reason, and from the store's attempts (every instance's) its success rate and latency over the last 5
/// and 60 minutes and its attempts per minute.
public struct ConnectionHealth: Sendable {
    let status: ConnectionStatus
    let attempts: any ConsoleQueries
    let counters: ConnectionCounters
    let now: @Sendable () -> Date
    /// The most attempts read for one page; beyond it the window shortens to the newest ones (and says so).
    let attemptLimit: Int

    public init(status: ConnectionStatus, attempts: any ConsoleQueries, counters: ConnectionCounters,
                now: @escaping @Sendable () -> Date, attemptLimit: Int = 200_000) {
        self.status = status
        self.attempts = attempts
        self.counters = counters
        self.now = now
        self.attemptLimit = attemptLimit
    }

    public struct Window: Sendable, Equatable {
        public var minutes: Int
        public var observed = AttemptTally()
    }

    public struct Row: Sendable {
        public var name: String
        public var kind: String
        public var environment: String
        public var breaker: String
        public var health: String
        public var alerts: [ConnectionAlerts.Alert]
        public var refusals: [String: Int]
        public var last5: Window
        public var last60: Window
        /// Attempts per minute, oldest first, 60 of them (the last is the minute running now).
        public var perMinute: [Int]
    }

    public struct Page: Sendable {
        public var rows: [Row]
        /// When the attempt limit cut the hour short: the oldest attempt read.
        public var truncatedAt: Date?
    }

    public func page() async throws -> Page {
        let end = now()
        let start = end.addingTimeInterval(-3_600)
        let recent = try await attempts.attempts(since: start, until: end.addingTimeInterval(1), limit: attemptLimit)
        let byConnection = Dictionary(grouping: recent, by: \.connection)
        var rows: [Row] = []
        for row in try await status.rows() {
            let name = row.connection.config.name
            let list = byConnection[name] ?? []
            var perMinute = Array(repeating: 0, count: 60)
            for attempt in list {
                let minute = Int(end.timeIntervalSince(attempt.startedAt) / 60)
                if (0..<60).contains(minute) { perMinute[59 - minute] += 1 }
            }
            rows.append(Row(name: name, kind: row.connection.config.kind, environment: row.connection.config.environment.rawValue,
                            breaker: row.breaker.state.rawValue, health: row.health, alerts: row.alerts,
                            refusals: counters.refusedWebhooksByReason(name),
                            last5: Self.window(list.filter { $0.startedAt >= end.addingTimeInterval(-300) }, minutes: 5),
                            last60: Self.window(list, minutes: 60), perMinute: perMinute))
        }
        let truncated = recent.count >= attemptLimit ? recent.first?.startedAt : nil
        return Page(rows: rows, truncatedAt: truncated)
    }

    static func window(_ attempts: [Attempt], minutes: Int) -> Window {
        var window = Window(minutes: minutes)
        for attempt in attempts { window.observed.add(outcome: attempt.outcome, declineClass: attempt.declineClass, durationMs: attempt.durationMs) }
        return window
    }
}
