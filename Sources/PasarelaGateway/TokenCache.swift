import Foundation
import PasarelaAdapters
import PasarelaCore

/// Access tokens of PSPs that issue them (PagoEfectivo), per connection. A token is reused until it is within
/// the adapter's refresh margin of its expiry; concurrent callers share one token request.
actor TokenCache {
    private var tokens: [String: AccessToken] = [:]
    private var inFlight: [String: Task<Result<AccessToken, TokenFailure>, Never>] = [:]
    /// Token requests sent, per connection, for tests and metrics.
    private(set) var exchanges: [String: Int] = [:]

    struct TokenFailure: Error {
        var outcome: PSPOutcome
    }

    /// A valid token for the connection, fetching one when needed; `nil` for PSPs without tokens.
    func token(for connection: Connection, executor: HTTPExecutor, now: @escaping @Sendable () -> Date) async -> Result<String?, TokenFailure> {
        let name = connection.config.name
        guard let flow = connection.adapter.token else { return .success(nil) }
        if let token = tokens[name], token.expiresAt.timeIntervalSince(now()) > flow.refreshMargin {
            return .success(token.value)
        }
        let task: Task<Result<AccessToken, TokenFailure>, Never>
        if let running = inFlight[name] {
            task = running
        } else {
            exchanges[name, default: 0] += 1
            task = Task { await Self.exchange(connection, flow: flow, executor: executor, now: now) }
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

    static func exchange(_ connection: Connection, flow: any TokenFlow, executor: HTTPExecutor,
                         now: @Sendable () -> Date) async -> Result<AccessToken, TokenFailure> {
        let request: OutboundRequest
        do {
            request = try flow.buildTokenRequest(now: now(), context: connection.context)
        } catch {
            return .failure(TokenFailure(outcome: .notCreated(.rejected, code: nil, message: "token request cannot be built: \(error)")))
        }
        switch await executor.execute(request, timeoutMs: connection.config.requestTimeoutMs, connectTimeoutMs: connection.config.connectTimeoutMs) {
        case .response(let response):
            do {
                return .success(try flow.parseTokenResponse(response, now: now()))
            } catch {
                let failure: FailureClass = response.status >= 500 ? .http5xx : response.status == 429 ? .rateLimited : .rejected
                return .failure(TokenFailure(outcome: .notCreated(failure, code: String(response.status), message: "token exchange failed: \(error)")))
            }
        case .notSent(let reason), .noAnswer(_, let reason):
            // No payment can exist yet: only the token request was at stake.
            return .failure(TokenFailure(outcome: .notCreated(.connectionError, code: nil, message: "token exchange failed: \(reason)")))
        }
    }
}

extension Gateway {
    /// Token requests sent for a connection so far.
    public func tokenExchanges(for connection: String) async -> Int { await tokens.exchangeCount(connection) }
}
