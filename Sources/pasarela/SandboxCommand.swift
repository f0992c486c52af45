import ArgumentParser
import Foundation
import PasarelaApp
import PasarelaRouting

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the PSP emulators of every sandbox connection as their own process, behind one port.",
        discussion: """
            Each connection's API is at http://HOST:PORT/NAME and its controls (pay, expire, faults, webhooks, replies, \
            settings, and GET payments, the ledger) at http://HOST:PORT/sandbox/NAME/. Point a gateway at it with \
            `pasarela serve --sandbox-url http://HOST:PORT`: a gateway crash then leaves what the PSPs charged intact.
            """)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8090
    @Option(help: "Folder holding routes.yaml and adapters/.") var config = "."
    @Option(help: "Keep each emulator's ledger on disk in this folder (NAME.jsonl), restored at the next start.") var ledger: String?

    func run() async throws {
        let sandbox: RunningSandbox
        do {
            sandbox = try await SandboxStack.start(configDirectory: config, host: host, port: port, ledgerDirectory: ledger,
                                                   signals: [.sigterm, .sigint])
        } catch let error as ConfigError {
            say("Config is not valid:\n\(error)")
            throw ExitCode(2)
        }
        say("Pasarela sandbox listening on \(sandbox.url)" + (ledger.map { " (ledgers in \($0))" } ?? ""))
        for name in sandbox.emulators.keys.sorted() {
            say("  \(name): API at \(sandbox.url)/\(name), controls at \(sandbox.url)/sandbox/\(name)/")
        }
        try await sandbox.wait()
    }
}
