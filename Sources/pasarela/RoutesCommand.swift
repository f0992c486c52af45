import ArgumentParser
import Foundation
import PasarelaCore
import PasarelaGateway
import PasarelaRouting

struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "routes", abstract: "Work with routes.yaml.",
                                                    subcommands: [Check.self, Explain.self])

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
            guard let currencyValue = Currency(code: currency) else { throw ValidationError("unknown currency \(currency)") }
            guard let money = Money(majorUnits: amount, currency: currencyValue), money.minorUnits > 0 else {
                throw ValidationError("--amount must be a positive amount with at most \(currencyValue.exponent) decimals in \(currency)")
            }
            var fields: [String: JSONValue] = [
                "amount": .object(["value": .int(money.minorUnits), "currency": .string(currency)]),
                "country": .string(country),
            ]
            var methodFields: [String: JSONValue] = ["type": .string(method)]
            if let network { methodFields["network"] = .string(network) }
            if method == "card" { methodFields["token"] = .string(token) }
            if let document { fields["customer"] = .object(["document": .object(["type": .string(document)])]) }
            fields["payment_method"] = .object(methodFields)
            var meta: [String: JSONValue] = [:]
            for pair in metadata {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--metadata takes key=value, not \(pair)") }
                meta[parts[0]] = .string(parts[1])
            }
            if !meta.isEmpty { fields["metadata"] = .object(meta) }
            let request: PaymentRequest
            do { request = try PaymentRequest.parseForRouting(.object(fields)) } catch {
                throw ValidationError("\(error.param ?? "request"): \(error.message)")
            }
            let plan = RoutePlanner.plan(request, merchant: merchant, snapshot: snapshot, breakers: BreakerView(), draw: 0)
            print(json ? String(decoding: PlanResource.json(plan).bytes, as: UTF8.self) : PlanResource.text(plan))
        }
    }

    static func load(_ file: String) throws -> ConfigSnapshot {
        let url = URL(fileURLWithPath: file)
        return try ConfigSnapshot.load(directory: url.deletingLastPathComponent().path,
                                       routesFile: url.lastPathComponent)
    }
}
