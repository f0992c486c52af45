import ArgumentParser
import Foundation
import PasarelaCore
import PasarelaGateway
import PasarelaRouting
import PasarelaApp
import PasarelaStore
import Logging

struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "routes", abstract: "Work with routes.yaml.",
                                                    subcommands: [Check.self, Explain.self, WhatIfCommand.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate routes.yaml and adapters/*.yaml beside it; print every problem as file:line:column.")

        @Argument(help: "The routes file (its folder must hold adapters/).") var file = "routes.yaml"

        func run() throws {
            do {
                let snapshot = try RoutesCommand.load(file)
                print("OK: \(snapshot.routes.rules.count) rules, \(snapshot.connections.count) connections, version \(snapshot.version)")
            } catch let error as ConfigError {
                print(error.description)
                print("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")")
                throw ExitCode(1)
            }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which rule a payment matches, why earlier rules do not, and the connections it would try.")

        @Option(help: "Payer country, e.g. PE.") var country: String
        @Option(help: "ISO-4217 currency, e.g. PEN.") var currency: String
        @Option(help: "cash, bank_transfer or card.") var method: String
        @Option(help: "Amount in major units, e.g. 150.00.") var amount: String
        @Option(help: "Merchant id, for rules that match on it.") var merchant: String?
        @Option(help: "Cash network, e.g. rapipago.") var network: String?
        @Option(help: "The payer's document type, e.g. DNI or CE: connections that cannot take it are skipped.") var document: String?
        @Option(help: "Card token, for card payments (connections take only the tokens they issued).") var token = "tok_explain"
        @Option(parsing: .singleValue, help: "metadata as key=value; repeat for more.") var metadata: [String] = []
        @Option(help: "The routes file (its folder must hold adapters/).") var file = "routes.yaml"
        @Flag(help: "Print JSON, as POST /v1/routing/explain answers.") var json = false

        func run() throws {
            let snapshot: ConfigSnapshot
            do { snapshot = try RoutesCommand.load(file) } catch let error as ConfigError {
                print(error.description)
                throw ExitCode(1)
            }
            var meta: [String: String] = [:]
            for pair in metadata {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--metadata takes key=value, not \(pair)") }
                meta[parts[0]] = parts[1]
            }
            let request: PaymentRequest
            do {
                request = try SampleRequest(country: country, currency: currency, method: method, amount: amount, document: document,
                                            token: token, network: network, metadata: meta).request()
            } catch { throw ValidationError(error.description) }
            let plan = RoutePlanner.plan(request, merchant: merchant, snapshot: snapshot, breakers: BreakerView(), draw: 0)
            print(json ? String(decoding: PlanResource.json(plan).bytes, as: UTF8.self) : PlanResource.text(plan))
        }
    }

    struct WhatIfCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "whatif",
            abstract: "Replay the stored payments of a period against a candidate routes file: what would move where, per rule, what each target did on that traffic, and what would go nowhere.")

        @Argument(help: "The candidate routes file.") var candidate: String
        @Option(help: "How far back: 7d, 36h, 90m.") var since = "7d"
        @Option(help: "The folder whose adapters/ the candidate routes to (the one serve runs with).") var config = "."
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let period = RoutingWhatIf.period(since) else { throw ValidationError("--since takes a count and d, h or m (at most 366 days), e.g. 7d") }
            guard let text = FileManager.default.contents(atPath: candidate).flatMap({ String(data: $0, encoding: .utf8) }) else {
                throw ValidationError("cannot read \(candidate) as UTF-8")
            }
            let snapshot: ConfigSnapshot
            do {
                snapshot = try ConfigSnapshot.load(directory: config).replacingRoutes(text: text, file: URL(fileURLWithPath: candidate).lastPathComponent)
            } catch {
                print(error.description)
                throw ExitCode(1)
            }
            var options = StackOptions()
            try database.apply(to: &options, mustExist: true)
            let opened: OpenStore
            do { opened = try await Stack.openStore(options, logger: Logger(label: "pasarela")) } catch let error as StoreError {
                failOpening(error, database.location)
            }
            let until = Date()
            let report = try await RoutingWhatIf(history: opened.store).run(candidate: snapshot, since: until.addingTimeInterval(-period), until: until)
            await opened.close()
            print(json ? String(decoding: report.json.bytes, as: UTF8.self) : report.text)
        }
    }

    static func load(_ file: String) throws -> ConfigSnapshot {
        let url = URL(fileURLWithPath: file)
        return try ConfigSnapshot.load(directory: url.deletingLastPathComponent().path,
                                       routesFile: url.lastPathComponent)
    }
}
