import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import PasarelaAdapters
import PasarelaCore
import Synchronization

/// Sends what adapters build, bounded by a timeout, over one shared `HTTPClient` per connect timeout (in practice one
/// for the process). Transport failures are classed by whether the PSP can have received the request.
public struct HTTPExecutor: Sendable {
    /// The largest PSP response read; anything longer is an unreadable answer.
    public static let maximumResponseBytes = 1 << 20

    public init() {}

    /// The client for a connect timeout. A failed connection is reported at once instead of being retried until the
    /// request's deadline, so a PSP that refuses connections fails over in milliseconds; redirects are not followed.
    public static func client(connectTimeoutMs: Int) -> HTTPClient {
        clients.withLock { clients in
            if let client = clients[connectTimeoutMs] { return client }
            var configuration = HTTPClient.Configuration()
            configuration.timeout.connect = .milliseconds(Int64(connectTimeoutMs))
            configuration.connectionPool.retryConnectionEstablishment = false
            configuration.redirectConfiguration = .disallow
            // Lives as long as the process, like the singleton event loop group under it.
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[connectTimeoutMs] = client
            return client
        }
    }

    private static let clients = Mutex<[Int: HTTPClient]>([:])

    /// The process's default client (2 s connect timeout), for merchant notifications.
    public static var pspClient: HTTPClient { client(connectTimeoutMs: 2000) }

    /// Why no complete answer came back.
    public enum NoAnswer: Sendable, Equatable {
        /// The deadline passed after the request may have been sent.
        case timeout
        /// The connection broke or the answer could not be read.
        case connectionLost

        public var failureClass: FailureClass { self == .timeout ? .timeout : .connectionError }
    }

    /// The result of sending one request.
    public enum Result: Sendable {
        case response(InboundMessage)
        /// The request never reached the PSP (connection refused, connect timeout): nothing was created.
        case notSent(String)
        /// The request may have reached the PSP but no complete answer came back.
        case noAnswer(NoAnswer, String)
    }

    /// Sends `request`, giving up after `timeoutMs`.
    public func execute(_ request: OutboundRequest, timeoutMs: Int, connectTimeoutMs: Int = 2000) async -> Result {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = .init(rawValue: request.method)
        for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await Self.client(connectTimeoutMs: connectTimeoutMs).execute(outbound, timeout: .milliseconds(Int64(timeoutMs)))
            let body = try await response.body.collect(upTo: Self.maximumResponseBytes)
            return .response(InboundMessage(status: Int(response.status.code),
                                            headers: response.headers.map { ($0.name, $0.value) },
                                            body: Array(buffer: body)))
        } catch {
            return Self.classify(error)
        }
    }

    /// Only failures that happen before a connection exists are safe to call "not sent".
    static func classify(_ error: any Error) -> Result {
        if let error = error as? HTTPClientError {
            let beforeSending: [HTTPClientError] = [.connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout,
                                                    .invalidURL, .emptyHost]
            if beforeSending.contains(error) { return .notSent("\(error)") }
            let timeouts: [HTTPClientError] = [.deadlineExceeded, .readTimeout, .writeTimeout]
            return .noAnswer(timeouts.contains(error) ? .timeout : .connectionLost, "\(error)")
        }
        if error is NIOConnectionError { return .notSent("connection failed: \(error)") }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return .notSent("connect timeout") }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED || io.errnoCode == ENETUNREACH || io.errnoCode == EHOSTUNREACH {
            return .notSent("connection refused: \(io.errnoCode)")
        }
        return .noAnswer(.connectionLost, String(describing: error))
    }
}
