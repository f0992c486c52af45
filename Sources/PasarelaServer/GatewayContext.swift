import Hummingbird
import NIOCore

/// The request context of the gateway's routes: Hummingbird's core context plus the TCP peer's address, which the
/// webhook source allow-list needs.
public struct GatewayContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's IP address as text.
    var peerIP: String? { remoteAddress?.ipAddress }
}
