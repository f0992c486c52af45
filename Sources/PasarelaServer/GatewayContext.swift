import Hummingbird
import HummingbirdAuth
import NIOCore
import PasarelaCore
import PasarelaGateway

/// The request context of the gateway's routes: Hummingbird's core context, the TCP peer's address (the webhook source
/// allow-list needs it) and the merchant the API key authenticated (``MerchantAuthenticator``).
public struct GatewayContext: AuthRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var identity: Merchant?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The authenticated merchant, or 401 with the one JSON error shape.
    func merchant() throws -> Merchant {
        guard let identity else { throw APIError.unauthenticated("Missing API key: send 'Authorization: Bearer sk_...'.") }
        return identity
    }

    /// The peer's IP address as text.
    var peerIP: String? { remoteAddress?.ipAddress }
}
