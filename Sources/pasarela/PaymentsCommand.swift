import ArgumentParser
import Foundation
import Logging
import PasarelaAdapters
import PasarelaApp
import PasarelaCore
import PasarelaGateway
import PasarelaStore

struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "payments", abstract: "Look into payments, for operators.",
                                                    subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a payment, its attempts and every PSP call made for it, redacted (what a PSP's support desk asks for).")

        @Argument(help: "The payment id (pay_…).") var id: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            var options = StackOptions()
            try database.apply(to: &options, mustExist: true)
            let opened: OpenStore
            do { opened = try await Stack.openStore(options, logger: Logger(label: "pasarela")) } catch let error as StoreError {
                failOpening(error, database.location)
            }
            defer { Task { await opened.close() } }
            guard let stored = try await opened.store.payment(id: id, merchantId: nil) else {
                FileHandle.standardError.write(Data("error: no payment \(id.prefix(60))\n".utf8))
                throw ExitCode(1)
            }
            var attempts: [JSONBody] = []
            for attempt in stored.attempts {
                attempts.append(PaymentResource.attemptDetail(attempt, of: id, calls: try await opened.store.calls(paymentId: id, attemptId: attempt.id)))
            }
            let document = JSONBody.object([("payment", PaymentResource.json(stored)), ("attempts", .array(attempts))])
            // Printed to be handed on (to a PSP's support desk): the payer's email and document are masked here too.
            let object = try JSONSerialization.jsonObject(with: Data(Redactor().body(document.bytes).utf8))
            let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            say(String(decoding: pretty, as: UTF8.self))
        }
    }
}
