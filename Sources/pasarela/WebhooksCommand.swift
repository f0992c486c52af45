import ArgumentParser
import Foundation
import PasarelaCore
import PasarelaStore

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhooks", abstract: "Inspect received PSP webhooks.",
                                                    subcommands: [Orphans.self])

    struct Orphans: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List verified webhook events that matched no payment (answered 200 so the PSP stops retrying).")

        @Option(help: "SQLite database file.") var database = "pasarela.sqlite"
        @Option(help: "How many, newest first.") var limit = 50

        func run() async throws {
            guard FileManager.default.fileExists(atPath: database) else { throw ValidationError("no database at \(database)") }
            let orphans = try await SQLiteStore(path: database).orphanedWebhooks(limit: limit)
            if orphans.isEmpty { print("No orphaned webhook events.") }
            for orphan in orphans {
                print("\(Timestamps.utc(orphan.receivedAt))  \(orphan.connection)  psp_payment_id=\(orphan.pspPaymentId)  status=\(orphan.pspStatus)  key=\(orphan.dedupeKey)")
                print("  " + String(decoding: orphan.body.prefix(300), as: UTF8.self))
            }
        }
    }
}
