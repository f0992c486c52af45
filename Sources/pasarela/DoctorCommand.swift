import ArgumentParser
import Foundation
import PasarelaApp
import PasarelaGateway

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a setup before it takes payments, and print what to fix.",
        discussion: """
            Takes the options `serve` takes and checks what serve would use: the config files, the public URL PSPs post \
            webhooks to, the database and its merchants' keys, and for every connection its credentials, its webhook \
            secret and one authenticated call its PSP must accept (a lookup of a payment that does not exist, which \
            changes nothing). Exits 1 when a problem is found, 0 otherwise (warnings included).
            """)

    @Option(help: "The address serve listens on (for the default public URL).") var host = "127.0.0.1"
    @Option(help: "The port serve listens on (for the default public URL).") var port = 8080
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Folder holding routes.yaml and adapters/.") var config = "."
    @Option(help: "URL PSPs reach the gateway at, for webhooks (default http://HOST:PORT).") var publicURL: String?
    @Option(help: "A running `pasarela sandbox` the sandbox connections talk to (default: the built-in emulators).")
    var sandboxURL: String?
    @Flag(help: "Production mode: credentials from the environment, real PSPs.") var production = false

    func run() async throws {
        var options = StackOptions()
        options.host = host
        options.port = port
        try database.apply(to: &options)
        options.configDirectory = config
        options.publicURL = publicURL
        options.sandbox = !production
        options.sandboxURL = sandboxURL
        let findings = await Stack.doctor(options)
        say("Pasarela doctor: \(production ? "production" : "sandbox") mode, config in \(config)")
        var subject = ""
        for finding in findings {
            if finding.subject != subject {
                subject = finding.subject
                say(subject)
            }
            let mark = switch finding.level {
            case .ok: "ok      "
            case .warning: "WARNING "
            case .problem: "PROBLEM "
            }
            say("  \(mark)\(finding.message)")
        }
        let problems = findings.filter { $0.level == .problem }.count, warnings = findings.filter { $0.level == .warning }.count
        say(problems == 0 ? "No problems found\(warnings > 0 ? " (\(warnings) warnings)" : "")." : "\(problems) problem\(problems == 1 ? "" : "s") to fix.")
        if problems > 0 { throw ExitCode(1) }
    }
}
