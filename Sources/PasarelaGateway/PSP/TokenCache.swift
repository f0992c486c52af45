import Foundation
import PasarelaAdapters
import PasarelaCore

/// Access tokens of PSPs that issue them (PagoEfectivo), per connection. A token is reused until it is within the
/// adapter's refresh margin of its expiry; concurrent callers share one exchange.
actor TokenCache {
    private var tokens: [String: AccessToken] = [:]
    private var inFlight: [String: Task<Result<AccessToken, TokenFailure>, Never>] = [:]
    /// Token requests sent, per connection, for tests and metrics.
    private(set) var exchanges: [String: Int] = [:]

    struct TokenFailure: Error {
        var outcome: PSPOutcome
    }

    /// A valid token for the connection, from `exchange` when none is cached (or it is within `refreshMargin` of expiry).
    func token(for name: String, refreshMargin: TimeInterval, now: @Sendable () -> Date,
               exchange: @escaping @Sendable () async -> Result<AccessToken, TokenFailure>) async -> Result<String?, TokenFailure> {
        if let token = tokens[name], token.expiresAt.timeIntervalSince(now()) > refreshMargin {
            return .success(token.value)
        }
        let task: Task<Result<AccessToken, TokenFailure>, Never>
        if let running = inFlight[name] {
            task = running
        } else {
            exchanges[name, default: 0] += 1
            task = Task { await exchange() }
            inFlight[name] = task
        }
        let result = await task.value
        // Only the exchange this caller waited for is cleared: a newer one started meanwhile stays shared.
        if inFlight[name] == task { inFlight[name] = nil }
        switch result {
        case .success(let token):
            if let current = tokens[name], current.expiresAt > token.expiresAt { return .success(current.value) }
            tokens[name] = token
            return .success(token.value)
        case .failure(let failure):
            return .failure(failure)
        }
    }

    /// Forgets a token the PSP refused.
    func invalidate(_ connection: String, token: String) {
        if tokens[connection]?.value == token { tokens[connection] = nil }
    }

    func exchangeCount(_ connection: String) -> Int { exchanges[connection] ?? 0 }
}
