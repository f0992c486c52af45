import ArgumentParser

/// `pasarela`: the gateway's command line.
@main
struct PasarelaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pasarela",
        abstract: "Pasarela, a self-hosted payment routing gateway.",
        subcommands: [Serve.self, SandboxCommand.self, ReconcileCommand.self, SettleCommand.self, DoctorCommand.self, PaymentsCommand.self, MerchantsCommand.self, OperatorsCommand.self, KeysCommand.self, Demo.self, RoutesCommand.self, WebhooksCommand.self],
        defaultSubcommand: Serve.self)
}
