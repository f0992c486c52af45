import ArgumentParser
import Foundation
import Logging
import PasarelaApp
import PasarelaConsole
import PasarelaCore
import PasarelaStore

extension OperatorAccounts.Problem: CommandRefusal {}

struct OperatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "operators", abstract: "The people who sign in to the console.",
                                                    subcommands: [Add.self, List.self, Disable.self, Enable.self])

    /// Opens the store and runs `body` with the operator accounts; an account's problem exits 1 with it.
    static func withAccounts(_ database: DatabaseOptions, _ body: (OperatorAccounts) async throws -> Void) async throws {
        try await withStore(database) { store in try await body(OperatorAccounts(store: store)) }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an operator. The password is read from PASARELA_OPERATOR_PASSWORD, else from the first line of standard input (never from an argument, which other users can see).")
        @Argument(help: "The operator's name (letters, digits, '.', '_', '-', '@').") var name: String
        @Option(help: "viewer (sees everything, changes nothing) or editor (also saves rules and acts on payments).") var role: String = "viewer"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            guard let role = OperatorAccounts.Role(rawValue: role) else { throw ValidationError("--role is viewer or editor") }
            let password = ProcessInfo.processInfo.environment["PASARELA_OPERATOR_PASSWORD"] ?? readLine(strippingNewline: true) ?? ""
            try await OperatorsCommand.withAccounts(database) { accounts in
                let start = Date()
                try await accounts.add(name: name, password: password, role: role)
                say("operator \(name) added as \(role.rawValue) (password hashed with scrypt in \(Int(Date().timeIntervalSince(start) * 1000)) ms)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List operators.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await OperatorsCommand.withAccounts(database) { accounts in
                for person in try await accounts.list() {
                    say("\(person.name)\t\(person.role)\t\(person.disabled ? "disabled" : "active")\tsince \(Timestamps.utc(person.createdAt))")
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an operator and end their sessions.")
        @Argument var name: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await OperatorsCommand.withAccounts(database) { accounts in
                try await accounts.setDisabled(name, true)
                say("operator \(name) disabled; their sessions are ended")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled operator again.")
        @Argument var name: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await OperatorsCommand.withAccounts(database) { accounts in
                try await accounts.setDisabled(name, false)
                say("operator \(name) enabled")
            }
        }
    }
}
