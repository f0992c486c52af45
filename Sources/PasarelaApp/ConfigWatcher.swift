import Crypto
import Foundation
import Logging
import PasarelaGateway
import PasarelaRouting
import ServiceLifecycle
import UnixSignals

/// Reloads `routes.yaml` and `adapters/*.yaml` on SIGHUP and when their content changes. A valid config is swapped in
/// whole (requests in flight keep the one they started with); an invalid one is refused and logged with every problem,
/// and the last good config stays live.
public final class ConfigWatcher: Service, Sendable {
    public let directory: String
    let gateway: Gateway
    let environment: [String: String]
    let adjust: @Sendable (inout ConfigSnapshot) -> Void
    let interval: Duration
    let logger: Logger
    /// The files' digest when the config in force was loaded: an edit made before `run` starts is still seen.
    let initial: [UInt8]

    init(directory: String, gateway: Gateway, environment: [String: String], interval: Duration, logger: Logger,
         initial: [UInt8], adjust: @escaping @Sendable (inout ConfigSnapshot) -> Void) {
        self.directory = directory
        self.gateway = gateway
        self.environment = environment
        self.interval = interval
        self.logger = logger
        self.adjust = adjust
        self.initial = initial
    }

    /// Validates and installs the files now.
    @discardableResult
    public func reload() -> Result<String, ConfigError> {
        gateway.reload(from: directory, env: environment, adjust: adjust)
    }

    /// A digest of every config file's bytes, to notice edits.
    static func fingerprint(_ directory: String) -> [UInt8] {
        var hasher = SHA256()
        let adapters = directory + "/adapters"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: adapters)) ?? []).sorted()
        for path in [directory + "/routes.yaml"] + names.map({ adapters + "/" + $0 }) {
            hasher.update(data: Array(path.utf8))
            hasher.update(data: FileManager.default.contents(atPath: path) ?? Data())
        }
        return Array(hasher.finalize())
    }

    public func run() async throws {
        let start = initial
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup) {
                        self.logger.info("SIGHUP: reloading config")
                        self.reload()
                    }
                }
                group.addTask {
                    var seen = start
                    while !Task.isCancelled {
                        try await Task.sleep(for: self.interval)
                        let now = Self.fingerprint(self.directory)
                        if now != seen {
                            seen = now
                            self.logger.info("config files changed: reloading")
                            self.reload()
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
