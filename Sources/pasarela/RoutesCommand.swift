import ArgumentParser
import Foundation
import PasarelaGateway
import PasarelaRouting

struct RoutesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "routes", abstract: "Work with routes.yaml.",
                                                    subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate routes.yaml and adapters/*.yaml; print every problem with file:line:column.")

        @Option(help: "Folder holding routes.yaml and adapters/.") var config = "."

        func run() throws {
            do {
                let snapshot = try ConfigSnapshot.load(directory: config, kinds: Gateway.kinds)
                print("OK: \(snapshot.routes.rules.count) rules, \(snapshot.connections.count) connections, version \(snapshot.version)")
            } catch {
                print(error.description)
                throw ExitCode(1)
            }
        }
    }
}
