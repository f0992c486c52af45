import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

extension Stack {
    /// Runs an application in its own service group and waits until it listens.
    static func launch<App: ApplicationProtocol>(logger: Logger, signals: [UnixSignal],
                                                 make: (@escaping @Sendable (Int) async -> Void) -> App) async throws
        -> (Int, ServiceGroup, Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = make { port in continuation.yield(port); continuation.finish() }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: signals, logger: logger))
        let run = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = await run.result
            throw StackError.didNotStart
        }
        return (port, group, run)
    }
}

public enum StackError: Error, CustomStringConvertible {
    case didNotStart
    case badKey(String)
    case sandboxUnreachable(String)

    public var description: String {
        switch self {
        case .didNotStart: "a server did not start (is the port free?)"
        case .badKey(let message): message
        case .sandboxUnreachable(let message): "the sandbox at --sandbox-url cannot be reached: \(message)"
        }
    }
}
