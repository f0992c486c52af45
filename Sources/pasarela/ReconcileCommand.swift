import ArgumentParser
import Foundation
import PasarelaApp
import PasarelaGateway
import PasarelaRouting
import PasarelaStore

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Settle every payment that is not final, now: ask each PSP, expire vouchers past due, cancel duplicates.",
        discussion: """
            The gateway runs the reconciler by itself on a schedule. `--once` runs one pass by hand, ignoring that \
            schedule and the leases of requests in flight (run it when no gateway is creating payments, e.g. after a \
            crash), and prints what it did. It takes the options `serve` takes, so it reaches the same database and PSPs.
            """)

    @Flag(help: "Run one pass over every open payment and exit.") var once = false
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Folder holding routes.yaml and adapters/.") var config = "."
    @Option(help: "A running `pasarela sandbox` the sandbox connections talk to.") var sandboxURL: String?
    @Flag(help: "Production mode: credentials from the environment, no sandbox.") var production = false
    @Option(help: "URL PSPs reach the gateway at, for webhooks (default: the one the last `serve` on this database recorded).")
    var publicURL: String?

    func validate() throws {
        guard once else { throw ValidationError("the gateway runs the reconciler itself; pass --once for one pass by hand") }
        if !production, sandboxURL == nil {
            throw ValidationError("in sandbox mode, --sandbox-url names the running `pasarela sandbox` (a serve's in-process emulators cannot be reached from here)")
        }
    }

    func run() async throws {
        var options = StackOptions()
        try database.apply(to: &options, mustExist: true)
        options.configDirectory = config
        options.sandbox = !production
        options.sandboxURL = sandboxURL
        options.publicURL = publicURL
        let report: ReconcileReport
        do {
            report = try await Stack.offline(options).reconciler.reconcileAll()
        } catch let error as ConfigError {
            say("Config is not valid:\n\(error)")
            throw ExitCode(2)
        } catch let error as StoreError {
            failOpening(error, database.location)
        }
        for line in report.lines { say(line) }
        let ended = report.actions.filter { $0.reached != nil }.count
        say("Looked at \(report.looked) open payment\(report.looked == 1 ? "" : "s"): \(ended) changed status, \(report.failures.count) could not be settled.")
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}
