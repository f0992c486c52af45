import Foundation
import Hummingbird
import Logging
import PasarelaCore
import PasarelaGateway
import PasarelaRouting
import PasarelaSandbox
import PasarelaServer
import PasarelaStore
import ServiceLifecycle
import UnixSignals

/// Pasarela started in process: the gateway and, in sandbox mode, the emulators it talks to over loopback.
public final class RunningStack: Sendable {
    public let gateway: Gateway
    public let gatewayURL: String
    /// Where the console answers (`nil` when switched off).
    public let consoleURL: String?
    /// Emulators by the connection they stand in for, and their own URLs, in sandbox mode.
    public let emulators: [String: any SandboxEmulator]
    public let emulatorURLs: [String: String]
    /// The merchant key that works in sandbox mode.
    public let sandboxAPIKey: String?
    /// Reloads the config on SIGHUP and on file changes; `reload()` does it now.
    public let watcher: ConfigWatcher
    /// Delivers merchant notifications; `deliverDue()` runs a pass now.
    public let dispatcher: OutboxDispatcher
    let groups: [ServiceGroup]
    let runs: [Task<Void, any Error>]
    /// The store the gateway uses, closed when the stack stops.
    public let store: OpenStore

    init(gateway: Gateway, gatewayURL: String, consoleURL: String?, emulators: [String: any SandboxEmulator], emulatorURLs: [String: String],
         sandboxAPIKey: String?, watcher: ConfigWatcher, dispatcher: OutboxDispatcher, groups: [ServiceGroup], runs: [Task<Void, any Error>],
         store: OpenStore) {
        self.store = store
        self.watcher = watcher
        self.dispatcher = dispatcher
        self.gateway = gateway
        self.gatewayURL = gatewayURL
        self.consoleURL = consoleURL
        self.emulators = emulators
        self.emulatorURLs = emulatorURLs
        self.sandboxAPIKey = sandboxAPIKey
        self.groups = groups
        self.runs = runs
    }

    public var dlocal: DLocalEmulator? { emulators["dlocal"] as? DLocalEmulator }
    public var checkout: CheckoutEmulator? { emulators["checkout"] as? CheckoutEmulator }
    public var pagoefectivo: PagoEfectivoEmulator? { emulators["pagoefectivo"] as? PagoEfectivoEmulator }

    /// Stops every server gracefully and waits for them.
    public func stop() async {
        for group in groups.reversed() { await group.triggerGracefulShutdown() }
        for run in runs { _ = await run.result }
        await store.close()
    }

    /// Waits until the servers stop (on SIGTERM/SIGINT when started with signals).
    public func wait() async throws {
        for run in runs { try await run.value }
        await store.close()
    }
}
