import ArgumentParser
import Foundation
import Logging
import PasarelaApp
import PasarelaCore
import PasarelaGateway
import PasarelaRouting
import PasarelaStore

/// A refusal a command explains in one line (`error: …`) and exits 1 with.
protocol CommandRefusal: Error, CustomStringConvertible {}
extension MerchantAdmin.Failure: CommandRefusal {}

/// Opens the store the options name, runs `body` with it and closes it; a ``CommandRefusal`` is printed and exits 1.
func withStore(_ database: DatabaseOptions, _ body: (any PaymentStore) async throws -> Void) async throws {
    var options = StackOptions()
    try database.apply(to: &options)
    let opened: OpenStore
    do { opened = try await Stack.openStore(options, logger: Logger(label: "pasarela")) } catch let error as StoreError {
        failOpening(error, database.location)
    }
    do {
        try await body(opened.store)
    } catch let refusal as any CommandRefusal {
        await opened.close()
        FileHandle.standardError.write(Data("error: \(refusal)\n".utf8))
        throw ExitCode(1)
    }
    await opened.close()
}

/// Opens the store the options name and runs `body` with the merchant administration.
func withAdmin(_ database: DatabaseOptions, _ body: (MerchantAdmin, any PaymentStore) async throws -> Void) async throws {
    try await withStore(database) { store in try await body(MerchantAdmin(store: store), store) }
}

/// `--config` and `--production`: where a merchant's notification URL may point, as the gateway's API decides it
/// (`outbound:` in routes.yaml; loopback and private addresses refused in production).
struct OutboundOptions: ParsableArguments {
    @Option(help: "Folder holding routes.yaml (its outbound: block).") var config = "."
    @Flag(help: "Check URLs as a production gateway does: loopback and private addresses refused unless outbound.allow lists them.")
    var production = false

    func policy() throws -> OutboundPolicy {
        do {
            return OutboundPolicy(config: try ConfigSnapshot.outbound(directory: config), sandbox: !production)
        } catch {
            FileHandle.standardError.write(Data("error: routes.yaml is not valid:\n\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct MerchantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merchants", abstract: "Merchants and their notification secrets.",
                                                    subcommands: [Add.self, Update.self, List.self, RollSecret.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a merchant; prints its notification secret once.")
        @Argument(help: "The merchant id (letters, digits, _ or -).") var id: String
        @Option(help: "A display name.") var name: String?
        @Option(help: "Where its notifications go when a payment names none (checked as the API checks notification_url).")
        var notificationURL: String?
        @OptionGroup var outbound: OutboundOptions
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let policy = try outbound.policy()
            try await withAdmin(database) { admin, _ in
                let secret = try await admin.addMerchant(id: id, name: name, notificationURL: notificationURL, policy: policy)
                say("Merchant \(id) added.")
                say("Notification secret (shown once; it signs Pasarela-Signature): \(secret)")
                say("Next: pasarela keys create --merchant \(id) --mode test")
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a merchant's name or notification URL.")
        @Argument(help: "The merchant id.") var id: String
        @Option(help: "A display name.") var name: String?
        @Option(help: "Where its notifications go when a payment names none (checked as the API checks notification_url).")
        var notificationURL: String?
        @Flag(help: "Remove the notification URL: payments then carry their own.") var noNotificationURL = false
        @OptionGroup var outbound: OutboundOptions
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if notificationURL != nil, noNotificationURL { throw ValidationError("give --notification-url or --no-notification-url, not both") }
            if name == nil, notificationURL == nil, !noNotificationURL { throw ValidationError("nothing to change: give --name, --notification-url or --no-notification-url") }
        }

        func run() async throws {
            let policy = try outbound.policy()
            try await withAdmin(database) { admin, _ in
                let merchant = try await admin.updateMerchant(id: id, name: name, notificationURL: notificationURL, clearURL: noNotificationURL,
                                                              policy: policy)
                say("Merchant \(merchant.id) updated: \(merchant.name), notifications: \(merchant.notificationURL ?? "-").")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List merchants.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await withAdmin(database) { _, store in
                let merchants = try await store.merchants()
                if merchants.isEmpty { say("No merchants (pasarela merchants add ID).") }
                for merchant in merchants {
                    let keys = try await store.keys(merchantId: merchant.id).filter { $0.isValid(at: Date()) }.count
                    say("\(merchant.id)  \(merchant.name)  keys in use: \(keys)  notifications: \(merchant.notificationURL ?? "-")  since \(Timestamps.utc(merchant.createdAt))")
                }
            }
        }
    }

    struct RollSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roll-secret",
            abstract: "Make a new notification secret; notifications carry a signature with each secret until the overlap ends.")
        @Argument(help: "The merchant id.") var id: String
        @OptionGroup var overlap: OverlapOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await withAdmin(database) { admin, _ in
                let secret = try await admin.rollSecret(merchantId: id, overlap: overlap.seconds)
                say("New notification secret for \(id) (shown once): \(secret)")
                say("The old one keeps signing beside it for \(overlap.overlapHours) h.")
            }
        }
    }
}

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Merchant API keys: shown once, kept as digests.",
                                                    subcommands: [Create.self, List.self, Revoke.self, Roll.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key for a merchant; prints it once.")
        @Option(help: "The merchant id.") var merchant: String
        @Option(help: "test (sandbox connections) or live (production connections).") var mode: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await withAdmin(database) { admin, _ in
                let key = try await admin.createKey(merchantId: merchant, mode: mode)
                say("API key \(key.record.id) for \(merchant) (\(mode)), shown once: \(key.secret)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (their first characters only).")
        @Option(help: "Only this merchant's.") var merchant: String?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await withAdmin(database) { _, store in
                let keys = try await store.keys(merchantId: merchant)
                if keys.isEmpty { say("No keys (pasarela keys create --merchant ID --mode test).") }
                let now = Date()
                for key in keys {
                    let state = key.revoked ? "revoked" : key.isValid(at: now) ? (key.endsAt.map { "ends \(Timestamps.utc($0))" } ?? "active") : "ended"
                    say("\(key.id)  \(key.merchantId)  \(key.mode)  \(key.prefix)…  \(state)  created \(Timestamps.utc(key.createdAt))")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a key now (every instance within seconds).")
        @Argument(help: "The key id (key_…).") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await withAdmin(database) { admin, _ in
                try await admin.revokeKey(id: id)
                say("Key \(id) revoked.")
            }
        }
    }

    struct Roll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a new key for the same merchant and mode; the old one works until the overlap ends.")
        @Argument(help: "The key id (key_…).") var id: String
        @OptionGroup var overlap: OverlapOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await withAdmin(database) { admin, _ in
                let key = try await admin.rollKey(id: id, overlap: overlap.seconds)
                say("New API key \(key.record.id) (shown once): \(key.secret)")
                say("Key \(id) keeps working for \(overlap.overlapHours) h.")
            }
        }
    }
}

/// `--overlap-hours`: how long a rolled secret or key keeps working beside its successor (0 to 30 days).
struct OverlapOption: ParsableArguments {
    @Option(help: "Hours the old secret or key keeps working beside the new one (0 to 720).") var overlapHours: Double = 24

    func validate() throws {
        guard overlapHours >= 0, overlapHours <= 24 * 30 else { throw ValidationError("--overlap-hours takes 0 to 720") }
    }

    var seconds: TimeInterval { overlapHours * 3600 }
}
