import Foundation
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import Testing

/// Loads real files from a temporary folder.
@Suite struct ConfigLoadingTests {
    static let adapter = """
        kind: dlocal
        environment: sandbox
        base_url:
          sandbox: https://sandbox.dlocal.com
          production: https://api.dlocal.com
        credentials:
          login: { env: DL_LOGIN, sandbox_default: l }
          trans_key: { env: DL_TRANS, sandbox_default: t }
          secret_key: { env: DL_SECRET, sandbox_default: s }
        supports:
          - { countries: [PE], methods: [cash, card], currencies: [PEN, USD] }
        """
    static let routes = """
        routes:
          - name: peru-cash
            match: { country: PE, method: cash, currency: [PEN, USD] }
            targets: [dlocal]
          - name: default
            targets: [dlocal]
        """

    func folder(routes: String = routes, adapters: [String: String] = ["dlocal": adapter]) throws -> String {
        let directory = NSTemporaryDirectory() + "pasarela-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/adapters", withIntermediateDirectories: true)
        try routes.write(toFile: directory + "/routes.yaml", atomically: true, encoding: .utf8)
        for (name, text) in adapters { try text.write(toFile: "\(directory)/adapters/\(name).yaml", atomically: true, encoding: .utf8) }
        return directory
    }

    func problems(routes: String = routes, adapters: [String: String] = ["dlocal": adapter], env: [String: String] = [:]) throws -> [String] {
        let directory = try folder(routes: routes, adapters: adapters)
        do {
            _ = try ConfigSnapshot.load(directory: directory, env: env)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func theRepositoryConfigIsValid() throws {
        let snapshot = try ConfigSnapshot.load(directory: Self.repositoryRoot, env: [:])
        #expect(snapshot.connections.keys.sorted() == ["checkout", "dlocal", "pagoefectivo"])
        #expect(snapshot.connections["dlocal"] != nil)
        #expect(snapshot.routes.rules.last?.match.isCatchAll == true)
    }

    @Test func sandboxDefaultsApplyAndEnvironmentWins() throws {
        let directory = try folder()
        let sandbox = try ConfigSnapshot.load(directory: directory, env: [:])
        #expect(sandbox.connections["dlocal"]?.credentials == DeclaredCredentials(["login": "l", "trans_key": "t", "secret_key": "s"]))
        #expect(sandbox.connections["dlocal"]?.baseURL == "https://sandbox.dlocal.com")
        let fromEnv = try ConfigSnapshot.load(directory: directory, env: ["DL_SECRET": "real"])
        #expect(fromEnv.connections["dlocal"]?.credentials.value("secret_key") == "real")
        #expect(sandbox.version == fromEnv.version)
        #expect(sandbox.version.hasPrefix("cfg_"))
    }

    @Test func productionNeedsEveryCredentialFromTheEnvironment() throws {
        let production = Self.adapter.replacingOccurrences(of: "environment: sandbox", with: "environment: production")
        let found = try problems(adapters: ["dlocal": production], env: ["DL_LOGIN": "x"])
        // Each names the file and place, the variable, the connection, and the fix.
        #expect(found.contains("adapters/dlocal.yaml:8:14: credentials.trans_key: environment variable DL_TRANS is not set; connection dlocal needs it: set DL_TRANS in the gateway's environment, or name a file with credentials.trans_key: { file: PATH }"))
        #expect(found.contains { $0.hasPrefix("adapters/dlocal.yaml:9:15: credentials.secret_key: environment variable DL_SECRET is not set; connection dlocal needs it") })
        #expect(!found.joined().contains("DL_LOGIN"))
    }

    @Test func aCredentialFileMissingOrEmptyStopsTheLoad() throws {
        let directory = try folder()
        let fromFile = Self.adapter.replacingOccurrences(of: "{ env: DL_SECRET, sandbox_default: s }", with: "{ file: secrets/dlocal_secret }")
        try fromFile.write(toFile: directory + "/adapters/dlocal.yaml", atomically: true, encoding: .utf8)
        func found() -> [String] {
            do { _ = try ConfigSnapshot.load(directory: directory, env: [:]); return [] } catch { return error.problems.map(\.description) }
        }
        #expect(found() == ["adapters/dlocal.yaml:9:15: credentials.secret_key: file 'secrets/dlocal_secret' cannot be read; connection dlocal needs it: create it with the secret alone, readable by the gateway (a relative path is from the config folder)"])
        try FileManager.default.createDirectory(atPath: directory + "/secrets", withIntermediateDirectories: true)
        try "\n".write(toFile: directory + "/secrets/dlocal_secret", atomically: true, encoding: .utf8)
        #expect(found() == ["adapters/dlocal.yaml:9:15: credentials.secret_key: file 'secrets/dlocal_secret' is empty; connection dlocal needs the secret in it (alone, on one line)"])
        try "k3y\n".write(toFile: directory + "/secrets/dlocal_secret", atomically: true, encoding: .utf8)
        let loaded = try ConfigSnapshot.load(directory: directory, env: [:])
        #expect((loaded.connections["dlocal"]?.adapter as? DLocalAdapter)?.credentials.secretKey == "k3y")
    }

    @Test func aCredentialTheKindNeedsButTheFileOmitsStopsTheLoad() throws {
        let without = Self.adapter.replacingOccurrences(of: "  secret_key: { env: DL_SECRET, sandbox_default: s }\n", with: "")
        #expect(try problems(adapters: ["dlocal": without]) == ["adapters/dlocal.yaml:1:1: credentials.secret_key is required for kind dlocal: connection dlocal cannot call its PSP without it; add credentials.secret_key: { env: VARIABLE } (or { file: PATH }) to adapters/dlocal.yaml"])
        // Named but empty: refused where it is written.
        let empty = Self.adapter.replacingOccurrences(of: "{ env: DL_SECRET, sandbox_default: s }", with: "{ env: DL_SECRET, sandbox_default: \"\" }")
        #expect(try problems(adapters: ["dlocal": empty]).first == "adapters/dlocal.yaml:9:50: credentials.secret_key.sandbox_default must be a non-empty text value")
    }

    @Test func aKindIsOneRegistration() throws {
        // A kind of its own: its credential names, and a factory that types them.
        let acme = AdapterKind(name: "acme", credentials: .fixed(required: ["api_key", "signing_key"], optional: [])) { credentials, _ throws(CredentialProblem) in
            DLocalAdapter(credentials: DLocalCredentials(login: try credentials.required("api_key"), transKey: "-",
                                                         secretKey: try credentials.required("signing_key")))
        }
        let registry = AdapterRegistry([.dlocal, acme])
        let file = Self.adapter.replacingOccurrences(of: "kind: dlocal", with: "kind: acme")
            .replacingOccurrences(of: "  login: { env: DL_LOGIN, sandbox_default: l }\n  trans_key: { env: DL_TRANS, sandbox_default: t }\n  secret_key",
                                  with: "  api_key: { env: ACME_KEY, sandbox_default: a }\n  signing_key")
        let directory = try folder(routes: Self.routes.replacingOccurrences(of: "[dlocal]", with: "[acme]"), adapters: ["acme": file])
        let snapshot = try ConfigSnapshot.load(directory: directory, registry: registry, env: [:])
        let adapter = try #require(snapshot.connections["acme"]?.adapter as? DLocalAdapter)
        #expect(adapter.credentials.login == "a" && adapter.credentials.secretKey == "s")
        // The built-in registry does not know it; a credential it does not take is refused by name.
        #expect(throws: ConfigError.self) { try ConfigSnapshot.load(directory: directory, env: [:]) }
        let extra = file.replacingOccurrences(of: "  api_key:", with: "  login: { env: X, sandbox_default: x }\n  api_key:")
        let refused = try folder(routes: Self.routes.replacingOccurrences(of: "[dlocal]", with: "[acme]"), adapters: ["acme": extra])
        do {
            _ = try ConfigSnapshot.load(directory: refused, registry: registry, env: [:])
            Issue.record("a credential acme does not take was accepted")
        } catch {
            #expect(error.problems.first?.message.contains("unknown key 'login'") == true, "\(error.problems)")
        }
    }

    @Test func typosAreReportedWithLineAndColumn() throws {
        let typo = Self.adapter.replacingOccurrences(of: "supports:", with: "suports:")
        #expect(try problems(adapters: ["dlocal": typo]).first?.hasPrefix("adapters/dlocal.yaml:10:1: unknown key 'suports' in adapters/dlocal.yaml (did you mean 'supports'?)") == true)
        let badKind = Self.adapter.replacingOccurrences(of: "kind: dlocal", with: "kind: paypal")
        #expect(try problems(adapters: ["dlocal": badKind]).first == "adapters/dlocal.yaml:1:7: unknown adapter kind 'paypal'; known: checkout, dlocal, generic")
    }

    @Test func rateLimitsAreReadWithPerMerchantOverrides() throws {
        let text = """
            rate_limit:
              requests_per_second: 20
              burst: 50
              merchants:
                big_shop: { requests_per_second: 500 }
                tiny: { requests_per_second: 2, burst: 2 }
            """ + "\n" + Self.routes
        let snapshot = try ConfigSnapshot.load(directory: try folder(routes: text), env: [:])
        let limits = snapshot.routes.rateLimit
        #expect(limits.rate(for: "anyone") == .init(requestsPerSecond: 20, burst: 50))
        #expect(limits.rate(for: "big_shop") == .init(requestsPerSecond: 500, burst: 500), "a burst below the rate is raised to it")
        #expect(limits.rate(for: "tiny") == .init(requestsPerSecond: 2, burst: 2))
        let unset = try ConfigSnapshot.load(directory: try folder(), env: [:])
        #expect(unset.routes.rateLimit.rate(for: "anyone") == RateLimitConfig.defaultRate)

        let wrong = """
            rate_limit:
              requests_per_second: 0
              brust: 5
              merchants:
                a: { requests_per_second: 10, burst: 3 }
            """ + "\n" + Self.routes
        let found = try problems(routes: wrong)
        #expect(found.contains("routes.yaml:2:24: rate_limit.requests_per_second must be between 1 and 1000000"), "\(found)")
        #expect(found.contains { $0.hasPrefix("routes.yaml:3:3: unknown key 'brust' in rate_limit (did you mean 'burst'?)") }, "\(found)")
        #expect(found.contains("routes.yaml:5:8: rate_limit.merchants.a.burst (3) must be at least requests_per_second (10)"), "\(found)")
    }

    @Test func routeProblemsAreAllReported() throws {
        let routes = """
            routes:
              - name: a
                match: { country: PE, methd: cash }
                targets: [dlocal, stripe]
              - name: a
                targets: []
              - name: default
                targets: [dlocal]
            """
        let found = try problems(routes: routes)
        #expect(found.contains { $0.hasPrefix("routes.yaml:3:27: unknown key 'methd' in match (did you mean 'method'?)") })
        #expect(found.contains("routes.yaml:4:23: unknown connection 'stripe'; defined: dlocal"))
        #expect(found.contains("routes.yaml:6:14: targets must be a non-empty list of connection names"))
        #expect(found.contains("routes.yaml:5:5: duplicate rule name 'a'"))
        #expect(found.contains("routes.yaml:7:5: rule 'default' can never match: rule 'a' above it matches everything"))
    }

    @Test func ruleLanguageMistakesAreLocated() throws {
        let routes = """
            defaults:
              max_attempts: 0
              failover_on: [hard_decline, lightning]
            routes:
              - name: amounts
                match: { amount: { min: 500, max: 10.5 } }
                targets: [dlocal]
              - name: bad-amount
                match: { amount: { min: -1, max: 1.2345 } }
                targets: [dlocal]
              - name: weights
                match: { country: PE }
                targets: [{ connection: dlocal, weight: 0 }]
              - name: twice
                match: { country: MX }
                targets: [dlocal, dlocal]
                timeout_ms: 10
              - name: empty
                match: { metadata: {} }
                targets: [dlocal]
              - name: default
                targets: [dlocal]
            """
        let found = try problems(routes: routes)
        let expected = [
            "routes.yaml:2:17: defaults max_attempts must be between 1 and 10",
            "routes.yaml:3:16: hard declines never fail over: a hard decline would fail everywhere",
            "routes.yaml:3:16: unknown failure class 'lightning'; use connection_error, http_5xx, invalid_response, rate_limited, rejected, soft_decline, timeout",
            "routes.yaml:6:39: amount.max 10.5 is below amount.min 500",
            "routes.yaml:9:29: amount.min must be a non-negative amount in major units such as 150.00, not '-1'",
            "routes.yaml:9:38: amount.max must be a non-negative amount in major units such as 150.00, not '1.2345'",
            "routes.yaml:13:14: weights are given but none is above 0: nothing can be the first choice",
            "routes.yaml:16:23: connection 'dlocal' appears twice in targets",
            "routes.yaml:17:17: rule 'twice' timeout_ms must be between 50 and 120000",
            "routes.yaml:19:24: metadata must map keys to a value or a list of values",
        ]
        for line in expected { #expect(found.contains(line), "missing: \(line)\nfound: \(found.joined(separator: "\n"))") }
        #expect(found.count == expected.count, "\(found.joined(separator: "\n"))")
    }

    @Test func aDefaultRuleIsRequiredAndSyntaxErrorsAreLocated() throws {
        let noDefault = "routes:\n  - name: only\n    match: { country: PE }\n    targets: [dlocal]\n"
        #expect(try problems(routes: noDefault).contains { $0.contains("a default rule (one without match) is required") })
        let broken = "routes:\n  - name: [unclosed\n"
        #expect(try problems(routes: broken).first?.hasPrefix("routes.yaml:3:1: YAML syntax") == true)
    }

    @Test func planPicksTheFirstMatchingRuleAndExplainsTheOthers() throws {
        let snapshot = try ConfigSnapshot.load(directory: try folder(), env: [:])
        let customer = Customer(name: "A", email: "a@b.co")
        let cash = PaymentRequest(amount: Money(minorUnits: 100, currency: Currency(code: "PEN")!), country: "PE", method: .cash(network: nil),
                                  orderId: "o", customer: customer)
        let plan = Router.plan(cash, config: snapshot)
        #expect(plan.rule == "peru-cash")
        #expect(plan.targets == ["dlocal"])
        var transfer = cash
        transfer.method = .bankTransfer(bank: "bcp")
        let fallback = Router.plan(transfer, config: snapshot)
        #expect(fallback.rule == "default")
        #expect(fallback.notMatched.first?.reason == "method bank_transfer is not cash")
        // dlocal declares no bank transfers in this file, so it is skipped with the reason.
        #expect(fallback.targets.isEmpty)
        #expect(fallback.skipped.first?.reason.contains("does not declare bank_transfer") == true)
    }
}
