import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import PasarelaAdapters
import PasarelaCore

/// Sends what adapters build, over the process's one `HTTPClient`, bounded by a timeout.
/// Transport failures are classed by whether the PSP can have received the request.
public struct HTTPExecutor: Sendable {
    let client: HTTPClient
    /// The largest PSP response read; anything longer is an unreadable answer.
    public static let maximumResponseBytes = 1 << 20

    public init(client: HTTPClient = HTTPExecutor.pspClient) { self.client = client }

    /// The process's client for PSP calls. A failed connection is reported at once instead of being retried until
    /// the request's deadline, so a PSP that refuses connections fails over in milliseconds.
    public static let pspClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(2)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The result of sending one request.
    public enum Result: Sendable {
        case response(InboundMessage)
        /// The request never reached the PSP (connection refused, connect timeout): nothing was created.
        case notSent(String)
        /// The request may have reached the PSP but no complete answer came back.
        case noAnswer(String)
    }

    public func execute(_ request: OutboundRequest, timeoutMs: Int) async -> Result {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = .init(rawValue: request.method)
        for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await client.execute(outbound, timeout: .milliseconds(Int64(timeoutMs)))
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
            return beforeSending.contains(error) ? .notSent("\(error)") : .noAnswer("\(error)")
        }
        if error is NIOConnectionError { return .notSent("connection failed: \(error)") }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return .notSent("connect timeout") }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED || io.errnoCode == ENETUNREACH || io.errnoCode == EHOSTUNREACH {
            return .notSent("connection refused: \(io.errnoCode)")
        }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") {
            return .notSent("connection refused")
        }
        return .noAnswer(text)
    }
}
