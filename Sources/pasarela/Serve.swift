import ArgumentParser
import Foundation
import Logging
import PasarelaApp
import PasarelaRouting
import PasarelaStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway. Sandbox mode (the default) needs no credentials: the built-in PSP emulators run in process.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Seconds the reconciler and the outbox hold the work they claim before another instance may take it.")
    var workLeaseSeconds = 60
    @Option(help: "Folder holding routes.yaml, adapters/ and openapi.yaml.") var config = "."
    @Option(help: "URL PSPs reach this gateway at, for webhooks (default http://HOST:PORT).") var publicURL: String?
    @Option(help: "A running `pasarela sandbox` to talk to instead of in-process emulators (they then outlive a gateway crash).")
    var sandboxURL: String?
    @Flag(help: "Production mode: no emulators, no test key; credentials and PASARELA_API_KEYS from the environment.")
    var production = false
    @Option(help: ArgumentHelp("Serve the operators' console on a listener of its own instead of the gateway's (e.g. 127.0.0.1:9090).",
                               valueName: "host:port"))
    var consoleListen: String?
    @Flag(help: "No console at all.") var noConsole = false
    @Option(help: "Log lines as text or json (one object per line, with request_id and payment).") var logFormat: Observability.LogFormat = .text

    func run() async throws {
        var options = StackOptions()
        options.host = host
        options.port = port
        try database.apply(to: &options)
        options.workLease = TimeInterval(max(5, workLeaseSeconds))
        options.logFormat = logFormat
        options.configDirectory = config
        options.publicURL = publicURL
        options.sandbox = !production
        options.sandboxURL = sandboxURL
        if noConsole {
            options.console = .off
        } else if let consoleListen {
            guard let colon = consoleListen.lastIndex(of: ":"), let consolePort = Int(consoleListen[consoleListen.index(after: colon)...]),
                  (0...65_535).contains(consolePort), colon > consoleListen.startIndex else {
                throw ValidationError("--console-listen takes HOST:PORT, e.g. 127.0.0.1:9090")
            }
            options.console = .listen(host: String(consoleListen[..<colon]), port: consolePort)
        }
        let stack: RunningStack
        do {
            stack = try await Stack.start(options, signals: [.sigterm, .sigint])
        } catch let error as ConfigError {
            say("Config is not valid:\n\(error)")
            throw ExitCode(2)
        } catch let error as StoreError {
            failOpening(error, database.location)
        }
        say("Pasarela listening on \(stack.gatewayURL) (\(stack.store.location))")
        if let consoleURL = stack.consoleURL { say("Console at \(consoleURL) (operators: pasarela operators add)") }
        if let key = stack.sandboxAPIKey {
            say("Sandbox mode. Test API key: \(key)")
            if let secret = stack.gateway.merchants.directory.merchant(id: "merchant_sandbox")?.webhookSecret {
                say("  merchant notifications are signed with: \(secret)")
            }
            for (name, url) in stack.emulatorURLs.sorted(by: { $0.key < $1.key }) {
                if let sandboxURL {
                    say("  \(name) emulator at \(url); its controls at \(sandboxURL)/sandbox/\(name)/")
                } else {
                    say("  \(name) emulator on \(url); its controls also at \(stack.gatewayURL)/sandbox/\(name)/")
                }
            }
        }
        try await stack.wait()
    }
}

/// Writes a line to standard output unbuffered, so start-up lines reach a pipe or log file at once.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

extension Observability.LogFormat: ExpressibleByArgument {}
