import ArgumentParser
import Foundation
import Logging
import PasarelaApp
import PasarelaCore
import PasarelaStore

struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhooks", abstract: "Inspect received PSP webhooks.",
                                                    subcommands: [Orphans.self])

    struct Orphans: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List verified webhook events that matched no payment (answered 200 so the PSP stops retrying).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "How many, newest first.") var limit = 50

        func run() async throws {
            var options = StackOptions()
            try database.apply(to: &options, mustExist: true)
            let opened: OpenStore
            do { opened = try await Stack.openStore(options, logger: Logger(label: "pasarela")) } catch let error as StoreError {
                failOpening(error, database.location)
            }
            let orphans = try await opened.store.orphanedWebhooks(limit: limit)
            await opened.close()
            if orphans.isEmpty { print("No orphaned webhook events.") }
            for orphan in orphans {
                print("\(Timestamps.utc(orphan.receivedAt))  \(orphan.connection)  psp_payment_id=\(orphan.pspPaymentId)  status=\(orphan.pspStatus)  key=\(orphan.dedupeKey)")
                print("  " + String(decoding: orphan.body.prefix(300), as: UTF8.self))
            }
        }
    }
}
