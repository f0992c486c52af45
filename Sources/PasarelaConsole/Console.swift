import Foundation
import Logging
import PasarelaGateway
import PasarelaRouting
import PasarelaStore

/// Everything the console's pages use: the gateway's use cases, the store's operator and console roles, the rules
/// editor, sign-in. Built once per running gateway and mounted at `/console` (on the gateway's listener or its own).
public struct Console: Sendable {
    public let gateway: Gateway
    public let store: any OperatorStore & ConsoleQueries
    public let auth: ConsoleAuth
    public let editor: RulesEditor
    public let health: ConnectionHealth
    public let whatIf: RoutingWhatIf
    /// `Secure` cookies: on outside sandbox mode (the console is then expected behind HTTPS).
    public let secureCookies: Bool
    public let now: @Sendable () -> Date
    public let logger: Logger

    public init(gateway: Gateway, configDirectory: String, reload: @escaping @Sendable () -> Result<String, ConfigError>,
                secureCookies: Bool, sessionLifetime: TimeInterval = 8 * 3600, limiter: LoginLimiter = LoginLimiter()) {
        self.gateway = gateway
        store = gateway.store
        now = gateway.now
        logger = gateway.logger
        self.secureCookies = secureCookies
        auth = ConsoleAuth(store: gateway.store, limiter: limiter, lifetime: sessionLifetime, now: gateway.now, logger: gateway.logger)
        editor = RulesEditor(directory: configDirectory, live: gateway.live, reload: reload)
        health = ConnectionHealth(status: gateway.connections, attempts: gateway.store, counters: gateway.counters, now: gateway.now)
        whatIf = RoutingWhatIf(history: gateway.store)
    }
}
