import Foundation
import Logging
import PasarelaGateway
import PasarelaRouting
import PasarelaSandbox
import ServiceLifecycle
import UnixSignals

/// `pasarela sandbox`: the emulators of every sandbox connection in a process of their own, behind one port, so that
/// what they charged survives a gateway crash as a real PSP's memory would.
public final class RunningSandbox: Sendable {
    public let url: String
    public let emulators: [String: any SandboxEmulator]
    let group: ServiceGroup
    let run: Task<Void, any Error>

    init(url: String, emulators: [String: any SandboxEmulator], group: ServiceGroup, run: Task<Void, any Error>) {
        self.url = url
        self.emulators = emulators
        self.group = group
        self.run = run
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await run.result
    }

    public func wait() async throws { try await run.value }
}

public enum SandboxStack {
    /// Starts the emulators of the sandbox connections in `configDirectory`, accepting exactly their credentials.
    /// - Parameter ledgerDirectory: keep each emulator's ledger in `NAME.jsonl` there, restored at start.
    public static func start(configDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                             host: String = "127.0.0.1", port: Int = 0, ledgerDirectory: String? = nil,
                             signals: [UnixSignal] = []) async throws -> RunningSandbox {
        let snapshot = try ConfigSnapshot.load(directory: configDirectory, env: environment)
        if let ledgerDirectory { try FileManager.default.createDirectory(atPath: ledgerDirectory, withIntermediateDirectories: true) }
        var emulators: [String: any SandboxEmulator] = [:]
        for connection in snapshot.connections.values where connection.environment == .sandbox {
            guard let emulator = Emulators.make(for: connection) else { continue }
            if let ledgerDirectory, let persistent = emulator as? any PersistentLedger {
                try persistent.persist(to: "\(ledgerDirectory)/\(connection.name).jsonl")
            }
            emulators[connection.name] = emulator
        }
        let logger = Logger(label: "pasarela.sandbox")
        let served = emulators
        let (bound, group, run) = try await Stack.launch(logger: logger, signals: signals) { onRunning in
            SandboxServer.combined(emulators: served, host: host, port: port, onRunning: onRunning)
        }
        return RunningSandbox(url: "http://\(host):\(bound)", emulators: emulators, group: group, run: run)
    }
}
