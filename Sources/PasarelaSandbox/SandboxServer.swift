import Hummingbird
import Logging
import NIOCore

/// A standalone server for one emulator: its PSP API at `/`, its controls under `/sandbox/`.
public enum SandboxServer {
    /// Builds the emulator application.
    /// - Parameters:
    ///   - onRunning: called with the bound port once listening (use port 0 for a free one).
    public static func application(emulator: any SandboxEmulator, name: String, host: String = "127.0.0.1", port: Int = 0,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        emulator.addAPIRoutes(to: router)
        emulator.addAllControlRoutes(to: router.group("/sandbox"))
        var logger = Logger(label: "pasarela.sandbox.\(name)")
        logger.logLevel = .warning
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "\(name)-sandbox"),
                           onServerRunning: { channel in
                               let bound = channel.localAddress?.port ?? port
                               emulator.setPublicURL("http://\(host):\(bound)")
                               await onRunning(bound)
                           }, logger: logger)
    }
}

extension SandboxServer {
    /// Several emulators behind one port, as `pasarela sandbox` runs them: each PSP's API under `/NAME`, its controls
    /// under `/sandbox/NAME`.
    public static func combined(emulators: [String: any SandboxEmulator], host: String = "127.0.0.1", port: Int = 0,
                                onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        for (name, emulator) in emulators {
            emulator.addAPIRoutes(to: router.group("/\(name)"))
            emulator.addAllControlRoutes(to: router.group("/sandbox/\(name)"))
        }
        router.get("/healthz") { _, _ -> Response in EmulatorResponse.json(200, object: ["emulators": emulators.keys.sorted()]) }
        var logger = Logger(label: "pasarela.sandbox")
        logger.logLevel = .warning
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "pasarela-sandbox"),
                           onServerRunning: { channel in
                               let bound = channel.localAddress?.port ?? port
                               for (name, emulator) in emulators { emulator.setPublicURL("http://\(host):\(bound)/\(name)") }
                               await onRunning(bound)
                           }, logger: logger)
    }
}
