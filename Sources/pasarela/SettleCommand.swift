import ArgumentParser
import Foundation
import PasarelaApp
import PasarelaCore
import PasarelaGateway
import PasarelaRouting
import PasarelaStore

struct SettleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Import a PSP's settlement report and check it against Pasarela's books.",
        discussion: """
            FILE is the CSV the PSP's dashboard exports, in the layout docs/settlement.md describes for the connection. \
            Every line is checked against the payment or refund it names, and every payment and refund that succeeded \
            on the connection in the period (the file's first to last line, unless --from/--to) against every line \
            imported so far. Importing a file again adds nothing. Exit status: 0 when everything agrees, 1 when \
            anything mismatches, 2 for a file or config that cannot be read (the message names the line).
            """)

    @Option(help: "The connection (adapters/NAME.yaml) the report comes from.") var connection: String
    @Argument(help: "The settlement report, a CSV file.") var file: String
    @Flag(help: "Print the report as JSON.") var json = false
    @Option(help: "Start of the period checked for what Pasarela has and the PSP does not (YYYY-MM-DD or RFC 3339, UTC).") var from: String?
    @Option(help: "End of that period, inclusive (YYYY-MM-DD or RFC 3339, UTC).") var to: String?
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Folder holding routes.yaml and adapters/.") var config = "."
    @Flag(help: "Production mode: credentials from the environment, no sandbox.") var production = false

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
        let start = try from.map { try Self.date($0, endOfDay: false, option: "--from") }
        let end = try to.map { try Self.date($0, endOfDay: true, option: "--to") }
        var options = StackOptions()
        try database.apply(to: &options, mustExist: true)
        options.configDirectory = config
        options.sandbox = !production
        let report: SettlementReport
        do {
            report = try await Stack.offline(options).settlement.check(connection: connection, file: Array(data), fileName: file, from: start, to: end)
        } catch let error as ConfigError {
            fail("config is not valid:\n\(error)")
        } catch let error as SettlementError {
            fail("\(file): \(error)")
        } catch let error as StoreError {
            failOpening(error, database.location)
        }
        if json {
            say(String(decoding: SettlementReportResource.json(report).bytes, as: UTF8.self))
        } else {
            for line in SettlementReportResource.text(report) { say(line) }
        }
        if !report.mismatches.isEmpty { throw ExitCode(1) }
    }

    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(2)
    }

    /// `2026-11-30` (the start or the end of that day, UTC) or an RFC 3339 instant.
    static func date(_ text: String, endOfDay: Bool, option: String) throws -> Date {
        if let instant = Timestamps.parse(text) { return instant }
        if let day = Timestamps.parse(text + "T00:00:00Z") { return endOfDay ? day.addingTimeInterval(86_399.999) : day }
        throw ValidationError("\(option) takes YYYY-MM-DD or an RFC 3339 time, not '\(text.prefix(40))'")
    }
}
