import Hummingbird
import Logging
import NIOCore

/// A standalone server for the emulators: the dLocal API at `/`, its controls under `/sandbox/`.
public enum SandboxServer {
    /// Builds the emulator application.
    /// - Parameters:
    ///   - onRunning: called with the bound port once listening (use port 0 for a free one).
    public static func application(dlocal: DLocalEmulator, host: String = "127.0.0.1", port: Int = 0,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        dlocal.addAPIRoutes(to: router)
        dlocal.addControlRoutes(to: router.group("/sandbox"))
        var logger = Logger(label: "pasarela.sandbox.dlocal")
        logger.logLevel = .warning
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "dlocal-sandbox"),
                           onServerRunning: { channel in
                               let bound = channel.localAddress?.port ?? port
                               dlocal.setPublicURL("http://\(host):\(bound)")
                               await onRunning(bound)
                           }, logger: logger)
    }
}
