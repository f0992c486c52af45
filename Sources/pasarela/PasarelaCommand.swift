import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The process's entry: Swift concurrency's jobs run on NIO's event loops (one thread per core, the same that accept
/// connections and talk to PSPs), so a request's handler, its PSP call and its replies do not hop between NIO's threads
/// and Swift's task pool. `PASARELA_EXECUTOR=swift` keeps Swift's own pool (for comparisons).
@main
enum Main {
    static func main() async {
        if ProcessInfo.processInfo.environment["PASARELA_EXECUTOR"] != "swift" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await PasarelaCommand.main()
    }
}

/// `pasarela`: the gateway's command line.
struct PasarelaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pasarela",
        abstract: "Pasarela, a self-hosted payment routing gateway.",
        subcommands: [Serve.self, SandboxCommand.self, ReconcileCommand.self, SettleCommand.self, DoctorCommand.self, PaymentsCommand.self, MerchantsCommand.self, OperatorsCommand.self, KeysCommand.self, Demo.self, RoutesCommand.self, WebhooksCommand.self],
        defaultSubcommand: Serve.self)
}
