import ArgumentParser
import Foundation
import PasarelaApp

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Walk through a payment on each connection (dLocal, PagoEfectivo by failover, Checkout cash and card): create → voucher or redirect → pay in the sandbox → succeeded.")

    @Option(help: "A running gateway to use; by default the demo starts its own on a free port with a temporary database.")
    var url: String?
    @Option(help: "API key for --url (default: PASARELA_SANDBOX_API_KEY or the built-in test key).") var apiKey: String?
    @Option(help: "Folder holding routes.yaml and adapters/.") var config = "."

    func run() async throws {
        var stack: RunningStack?
        let baseURL: String, key: String
        if let url {
            baseURL = url
            key = apiKey ?? ProcessInfo.processInfo.environment["PASARELA_SANDBOX_API_KEY"] ?? "sk_test_pasarela_sandbox_0000000000000000"
        } else {
            var options = StackOptions()
            options.port = 0
            options.configDirectory = config
            options.database = NSTemporaryDirectory() + "pasarela-demo-\(UUID().uuidString).sqlite"
            let started = try await Stack.start(options)
            print("Started a sandbox gateway on \(started.gatewayURL) (database \(options.database))")
            stack = started
            baseURL = started.gatewayURL
            key = started.sandboxAPIKey ?? ""
        }
        do {
            try await Walkthrough(baseURL: baseURL, apiKey: key).run { print($0) }
            print("Done: every payment succeeded.")
        } catch {
            print("Demo failed: \(error)")
            await stack?.stop()
            throw ExitCode(1)
        }
        await stack?.stop()
    }
}
