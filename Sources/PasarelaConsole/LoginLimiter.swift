import Foundation
import Synchronization

/// Failed logins counted per account and per address over a sliding window: past the limit, logins from that address
/// or for that account are refused until the window lets the oldest failure go, whatever the password. A success
/// clears the account's count. Kept per instance (the KDF's cost already slows guessing on every instance).
public final class LoginLimiter: Sendable {
    public struct Limits: Sendable {
        public var perAccount: Int
        public var perAddress: Int
        public var window: TimeInterval

        public init(perAccount: Int = 5, perAddress: Int = 20, window: TimeInterval = 15 * 60) {
            self.perAccount = perAccount
            self.perAddress = perAddress
            self.window = window
        }
    }

    let limits: Limits
    private let failures = Mutex<(accounts: [String: [Date]], addresses: [String: [Date]])>(([:], [:]))

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Seconds until a login for `account` from `address` may be tried, or `nil` when it may now.
    public func retryAfter(account: String, address: String, now: Date) -> Int? {
        failures.withLock { state in
            let since = now.addingTimeInterval(-limits.window)
            state.accounts[account]?.removeAll { $0 <= since }
            state.addresses[address]?.removeAll { $0 <= since }
            var waits: [TimeInterval] = []
            if let times = state.accounts[account], times.count >= limits.perAccount { waits.append(times[times.count - limits.perAccount].timeIntervalSince(since)) }
            if let times = state.addresses[address], times.count >= limits.perAddress { waits.append(times[times.count - limits.perAddress].timeIntervalSince(since)) }
            return waits.max().map { max(1, Int($0.rounded(.up))) }
        }
    }

    public func failed(account: String, address: String, at now: Date) {
        failures.withLock { state in
            state.accounts[account, default: []].append(now)
            state.addresses[address, default: []].append(now)
            if state.accounts.count > 10_000 { state.accounts.removeAll() }
            if state.addresses.count > 10_000 { state.addresses.removeAll() }
        }
    }

    public func succeeded(account: String) {
        _ = failures.withLock { $0.accounts.removeValue(forKey: account) }
    }
}
