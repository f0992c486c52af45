import Hummingbird
import Logging
import NIOCore

/// The console on a listener of its own (`pasarela serve --console-listen HOST:PORT`), e.g. an address only the
/// operators' network reaches, while the gateway's listener serves merchants and PSPs without it.
public enum ConsoleServer {
    public struct Context: RequestContext, RemoteAddressRequestContext {
        public var coreContext: CoreRequestContextStorage
        public let remoteAddress: SocketAddress?

        public init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            remoteAddress = source.channel.remoteAddress
        }
    }

    public static func application(console: Console, host: String, port: Int, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router(context: Context.self)
        ConsoleRoutes<Context>(console: console).add(to: router)
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "pasarela-console"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
