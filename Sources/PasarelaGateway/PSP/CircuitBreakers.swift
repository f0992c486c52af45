import Foundation
import PasarelaCore
import PasarelaRouting
import Synchronization

/// One circuit breaker per connection. Closed: calls flow. Open: the connection is skipped until the cooldown
/// ends. Half-open: one probe call goes through; success closes the breaker, failure opens it again.
public final class CircuitBreakers: Sendable {
    public enum State: String, Sendable { case closed, open, halfOpen = "half_open" }

    struct Breaker {
        var state: State = .closed
        var consecutiveFailures = 0
        var openedAt: Date?
        var probeInFlight = false
        /// (time, failed) of recent calls, for the error rate.
        var recent: [(Date, Bool)] = []
    }

    /// What operators see of a breaker.
    public struct Snapshot: Sendable, Equatable {
        public var state: State
        public var consecutiveFailures: Int
        public var recentCalls: Int
        public var recentErrorRate: Double
        public var openedAt: Date?
    }

    private let breakers = Mutex<[String: Breaker]>([:])

    public init() {}

    /// The connections kept out now, with the reason, as routing takes them.
    public func view(_ configs: [String: ConnectionConfig], now: Date) -> BreakerView {
        breakers.withLock { all in
            var open: [String: String] = [:]
            for (name, breaker) in all {
                guard let config = configs[name] else { continue }
                switch state(breaker, config.breaker, now: now) {
                case .open: open[name] = "circuit breaker open since \(breaker.openedAt.map(Self.stamp) ?? "?")"
                case .halfOpen where breaker.probeInFlight: open[name] = "circuit breaker half-open, probe in flight"
                default: break
                }
            }
            return BreakerView(open: open)
        }
    }

    /// Asks to call a connection now. A half-open breaker lets exactly one caller through as its probe.
    /// - Returns: `nil` when the call may go, else why not.
    public func admit(_ name: String, config: ConnectionConfig.BreakerConfig, now: Date) -> String? {
        breakers.withLock { all in
            var breaker = all[name] ?? Breaker()
            switch state(breaker, config, now: now) {
            case .closed: return nil
            case .open: return "circuit breaker open"
            case .halfOpen:
                guard !breaker.probeInFlight else { return "circuit breaker half-open, probe in flight" }
                breaker.probeInFlight = true
                breaker.state = .halfOpen
                all[name] = breaker
                return nil
            }
        }
    }

    /// Records how a call went: `failed` means the PSP looked unhealthy (unreachable, 5xx, timeout, garbage).
    public func record(_ name: String, failed: Bool, config: ConnectionConfig.BreakerConfig, now: Date) {
        breakers.withLock { all in
            var breaker = all[name] ?? Breaker()
            let wasProbe = breaker.probeInFlight
            breaker.probeInFlight = false
            breaker.recent.append((now, failed))
            breaker.recent.removeAll { now.timeIntervalSince($0.0) > config.windowSeconds }
            if failed {
                breaker.consecutiveFailures += 1
                let failures = breaker.recent.filter(\.1).count
                let rateTripped = breaker.recent.count >= config.minRequests
                    && Double(failures) / Double(breaker.recent.count) >= config.errorRate
                if wasProbe || breaker.consecutiveFailures >= config.consecutiveFailures || rateTripped {
                    breaker.state = .open
                    breaker.openedAt = now
                }
            } else {
                breaker.consecutiveFailures = 0
                if wasProbe || breaker.state != .closed {
                    breaker.state = .closed
                    breaker.openedAt = nil
                    breaker.recent.removeAll()
                }
            }
            all[name] = breaker
        }
    }

    /// Releases a probe that was admitted but not used (the payment ended before reaching it).
    public func release(_ name: String) {
        breakers.withLock { all in all[name]?.probeInFlight = false }
    }

    public func snapshot(_ name: String, config: ConnectionConfig.BreakerConfig, now: Date) -> Snapshot {
        breakers.withLock { all in
            let breaker = all[name] ?? Breaker()
            let recent = breaker.recent.filter { now.timeIntervalSince($0.0) <= config.windowSeconds }
            return Snapshot(state: state(breaker, config, now: now), consecutiveFailures: breaker.consecutiveFailures,
                            recentCalls: recent.count,
                            recentErrorRate: recent.isEmpty ? 0 : Double(recent.filter(\.1).count) / Double(recent.count),
                            openedAt: breaker.openedAt)
        }
    }

    private func state(_ breaker: Breaker, _ config: ConnectionConfig.BreakerConfig, now: Date) -> State {
        guard breaker.state != .closed, let openedAt = breaker.openedAt else { return breaker.state }
        if breaker.state == .open, now.timeIntervalSince(openedAt) * 1000 < Double(config.cooldownMs) { return .open }
        return .halfOpen
    }

    static func stamp(_ date: Date) -> String {
        Timestamps.utc(date)
    }
}
