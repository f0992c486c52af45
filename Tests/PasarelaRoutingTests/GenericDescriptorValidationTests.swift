import Foundation
import PasarelaRouting
import Testing

/// A wrong generic descriptor is refused at start-up with file:line:column and a plain message.
@Suite struct GenericDescriptorValidationTests {
    let original: String

    init() throws {
        original = try String(contentsOfFile: ConfigLoadingTests.repositoryRoot + "/adapters/pagoefectivo.yaml", encoding: .utf8)
    }

    func problems(_ text: String, env: [String: String] = [:]) throws -> [String] {
        let directory = NSTemporaryDirectory() + "pasarela-generic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/adapters", withIntermediateDirectories: true)
        try text.write(toFile: directory + "/adapters/pagoefectivo.yaml", atomically: true, encoding: .utf8)
        try "routes:\n  - name: default\n    targets: [pagoefectivo]\n".write(toFile: directory + "/routes.yaml", atomically: true, encoding: .utf8)
        do {
            _ = try ConfigSnapshot.load(directory: directory, env: env)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    /// The line number (1-based) of the first line containing `text` in the original file.
    func line(of text: String) -> Int {
        (original.components(separatedBy: "\n").firstIndex { $0.contains(text) } ?? -1) + 1
    }

    @Test func theShippedDescriptorIsValid() throws {
        #expect(try problems(original).isEmpty)
    }

    @Test func anUnknownSchemeIsRefused() throws {
        let found = try problems(original.replacingOccurrences(of: "scheme: hmac-sha256-hex", with: "scheme: rot13"))
        #expect(found.contains { $0.hasPrefix("adapters/pagoefectivo.yaml:\(line(of: "scheme: hmac")):") && $0.contains("unknown signature scheme 'rot13'") })
    }

    @Test func aMissingCredentialsVariableIsRefusedInProduction() throws {
        let production = original.replacingOccurrences(of: "environment: sandbox", with: "environment: production")
        let found = try problems(production, env: ["PAGOEFECTIVO_ID_SERVICE": "1", "PAGOEFECTIVO_ACCESS_KEY": "a"])
        #expect(found == ["adapters/pagoefectivo.yaml:\(line(of: "secret_key: { env")):15: credentials.secret_key: environment variable PAGOEFECTIVO_SECRET_KEY is not set; connection pagoefectivo needs it: set PAGOEFECTIVO_SECRET_KEY in the gateway's environment, or name a file with credentials.secret_key: { file: PATH }"])
    }

    @Test func aTemplateNamingAnUnknownFieldIsRefused() throws {
        let found = try problems(original.replacingOccurrences(of: "userEmail: \"{customer.email}\"", with: "userEmail: \"{customer.mail}\""))
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("adapters/pagoefectivo.yaml:\(line(of: "userEmail:")):16: create.body.userEmail: unknown field '{customer.mail}'") == true)
    }

    @Test func undeclaredCredentialsUnknownFormatsAndMisplacedFieldsAreRefused() throws {
        let edits: [(String, String, String)] = [
            ("accessKey: \"{credentials.access_key}\"", "accessKey: \"{credentials.acces_key}\"", "credentials.acces_key is not declared"),
            ("dateExpiry: \"{expires_at:lima}\"", "dateExpiry: \"{expires_at:tokyo}\"", "unknown format 'tokyo'"),
            ("dateRequest: \"{now:lima}\"", "dateRequest: \"{amount}\"", "payment fields exist only in create"),
            ("cip.expired: expired", "cip.expired: vanished", "unknown status 'vanished'"),
            ("key: secret_key }", "key: api_key }", "webhook.signature.key 'api_key' is not a credential"),
            ("  psp_payment_id: data.cip\n    voucher_code", "  psp_payment_id: data..cip\n    voucher_code", "is not a field path"),
            ("amount: { $value: \"{amount}\", $type: number }", "amount: { $value: \"{amount}\", $type: money }", "unknown $type 'money'"),
            ("    dedupe_key: [data.cip, eventType, operationNumber]\n", "", "dedupe_key is required"),
            ("create:\n  replay:", "crate:\n  replay:", "unknown key 'crate'"),
            ("replay: may_create_another", "replay: sometimes", "create.replay must be one of answers_original, refused_as_duplicate, may_create_another, never"),
        ]
        for (from, to, message) in edits {
            #expect(original.contains(from), "fixture drifted: \(from)")
            let found = try problems(original.replacingOccurrences(of: from, with: to))
            #expect(found.contains { $0.contains(message) && $0.hasPrefix("adapters/pagoefectivo.yaml:") }, "\(message): \(found)")
        }
    }

    @Test func lookupCancelAndReconcileSectionsAreCheckedWhereTheyAreWritten() throws {
        let edits: [(String, String, Int, String)] = [
            ("applies_to: [requires_action]", "applies_to: [succeeded]", line(of: "applies_to: ["),
             "cancel.applies_to: 'succeeded' is not requires_action or authorized"),
            ("data: [{ transactionCode: \"{attempt.id}\" }]", "data: [{ transactionCode: \"{order_id}\" }]", line(of: "data: [{ transactionCode:"),
             "payment fields exist only in create"),
            ("path: /v1/cips/{psp_payment_id}", "path: /v1/cips/{psp_payment_id}/{attempt.idd}", line(of: "path: /v1/cips/{psp_payment_id}"),
             "unknown field '{attempt.idd}'"),
            ("    items: data\n", "    items: data\n    itemz: data\n", line(of: "    items: data") + 1, "unknown key 'itemz'"),
            ("    amount: amount\n    currency: currency\n", "    amount: amount\n", line(of: "  response: &search"),
             "amount needs lookup.response.currency"),
            ("  max_looks: 8", "  max_looks: 0", line(of: "  max_looks:"), "reconcile.max_looks must be between 1 and 1000"),
            ("  every_seconds: 10", "  every_second: 10", line(of: "  every_seconds:"),
             "unknown key 'every_second' in reconcile (did you mean 'every_seconds'?)"),
        ]
        for (from, to, at, message) in edits {
            #expect(original.contains(from), "fixture drifted: \(from)")
            let found = try problems(original.replacingOccurrences(of: from, with: to))
            #expect(found.contains { $0.contains(message) && $0.hasPrefix("adapters/pagoefectivo.yaml:\(at):") }, "\(message): \(found)")
        }
    }

    @Test func tokenIsOnlyUsableWithATokenBlock() throws {
        let start = try #require(original.range(of: "token:\n  method: POST"))
        let end = try #require(original.range(of: "# Generate a CIP"))
        let withoutToken = original.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: "")
        let found = try problems(withoutToken)
        #expect(found.contains { $0.contains("{token} needs a token: block") })
    }
}

/// The `settlement:` section of a generic file: checked at start-up like the rest.
@Suite struct SettlementLayoutValidationTests {
    @Test func theShippedPagoEfectivoLayoutReadsLimaTimes() throws {
        let snapshot = try ConfigSnapshot.load(directory: ConfigLoadingTests.repositoryRoot, env: [:])
        let layout = try #require(snapshot.connections["pagoefectivo"]?.generic?.settlement)
        #expect(layout.timeZone.secondsFromGMT() == -5 * 3600)
        #expect(layout.kinds["Pagado"] == .some(.payment))
    }

    @Test func aBrokenSettlementSectionIsRefusedWithItsLine() throws {
        let suite = try GenericDescriptorValidationTests()
        let wrongKind = try suite.problems(suite.original.replacingOccurrences(of: "Extornado: chargeback", with: "Extornado: reversal"))
        #expect(wrongKind.contains { $0.hasPrefix("adapters/pagoefectivo.yaml:\(suite.line(of: "Extornado: chargeback")):") && $0.contains("unknown kind 'reversal'") })
        let noCurrency = try suite.problems(suite.original.replacingOccurrences(of: "    currency: Moneda\n", with: ""))
        #expect(noCurrency.contains { $0.contains("settlement.columns.currency is required") })
        let zone = try suite.problems(suite.original.replacingOccurrences(of: "time_zone: America/Lima", with: "time_zone: Mars/Olympus"))
        #expect(zone.contains { $0.hasPrefix("adapters/pagoefectivo.yaml:\(suite.line(of: "time_zone: America/Lima")):") })
        let typo = try suite.problems(suite.original.replacingOccurrences(of: "payment_id_pattern:", with: "payment_id_patern:"))
        #expect(typo.contains { $0.contains("did you mean 'payment_id_pattern'") })
    }
}
