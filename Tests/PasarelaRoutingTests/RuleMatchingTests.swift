import Foundation
import PasarelaCore
import PasarelaRouting
import Testing

/// Rule matching tables on real files.
@Suite struct RuleMatchingTests {
    static let routes = """
        defaults:
          max_attempts: 2
          failover_on: [connection_error, http_5xx]
        routes:
          - name: small-peru-cash
            match: { country: PE, method: cash, amount: { max: 100.00 } }
            targets: [a]
          - name: mid-peru-cash
            match: { country: PE, method: cash, amount: { min: 100.01, max: 1000 } }
            targets: [b, a]
            timeout_ms: 900
          - name: vip
            match: { merchant: [m_vip, m_gold], metadata: { tier: [gold, platinum], channel: web } }
            targets: [{ connection: a, weight: 80 }, { connection: b, weight: 20 }, { connection: c, weight: 0 }]
            failover_on: [soft_decline, timeout]
            max_attempts: 3
          - name: yen
            match: { currency: JPY, amount: { min: 1000 } }
            targets: [c]
          - name: default
            targets: [c, a]
        """

    func snapshot() throws -> ConfigSnapshot {
        let directory = NSTemporaryDirectory() + "pasarela-rules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/adapters", withIntermediateDirectories: true)
        try Self.routes.write(toFile: directory + "/routes.yaml", atomically: true, encoding: .utf8)
        for name in ["a", "b", "c"] {
            try ConfigLoadingTests.adapter.replacingOccurrences(of: "supports:\n  - { countries: [PE], methods: [cash, card], currencies: [PEN, USD] }", with: "")
                .write(toFile: "\(directory)/adapters/\(name).yaml", atomically: true, encoding: .utf8)
        }
        return try ConfigSnapshot.load(directory: directory, env: [:])
    }

    func request(_ minor: Int64, _ currency: String = "PEN", country: String = "PE", method: PaymentMethod = .cash(network: nil),
                 metadata: [String: String] = [:]) -> PaymentRequest {
        PaymentRequest(amount: Money(minorUnits: minor, currency: Currency(code: currency)!), country: country, method: method,
                       orderId: "o", customer: Customer(name: "A", email: "a@b.co"), metadata: metadata)
    }

    @Test(arguments: [(Int64(1), "small-peru-cash"), (10000, "small-peru-cash"), (10001, "mid-peru-cash"), (100000, "mid-peru-cash"),
                      (100001, "default")])
    func amountEdgesAreInclusiveInMinorUnits(minor: Int64, rule: String) throws {
        #expect(Router.plan(request(minor), config: try snapshot()).rule == rule)
    }

    @Test func boundsAreReadInTheRequestCurrency() throws {
        let config = try snapshot()
        #expect(Router.plan(request(999, "JPY", country: "CL", method: .card(token: "t")), config: config).rule == "default")
        #expect(Router.plan(request(1000, "JPY", country: "CL", method: .card(token: "t")), config: config).rule == "yen")
    }

    @Test func merchantAndMetadataMustAllMatch() throws {
        let config = try snapshot()
        let gold = request(500_000, "USD", country: "MX", method: .card(token: "t"), metadata: ["tier": "gold", "channel": "web"])
        #expect(Router.plan(gold, merchant: "m_vip", config: config).rule == "vip")
        #expect(Router.plan(gold, merchant: "m_other", config: config).rule == "default")
        var silver = gold
        silver.metadata["tier"] = "silver"
        let plan = Router.plan(silver, merchant: "m_vip", config: config)
        #expect(plan.rule == "default")
        #expect(plan.notMatched.first { $0.name == "vip" }?.reason == "metadata.tier is 'silver', not gold/platinum")
        var app = gold
        app.metadata["channel"] = nil
        #expect(Router.plan(app, merchant: "m_gold", config: config).notMatched.first { $0.name == "vip" }?.reason
            == "metadata.channel is absent, not web")
    }

    @Test func weightsSplitTheFirstChoiceAndZeroIsFallbackOnly() throws {
        let config = try snapshot()
        let gold = request(500_000, "USD", country: "MX", method: .card(token: "t"), metadata: ["tier": "gold", "channel": "web"])
        #expect(Router.plan(gold, merchant: "m_vip", config: config, draw: 0.0).targets == ["a", "b", "c"])
        #expect(Router.plan(gold, merchant: "m_vip", config: config, draw: 0.79).targets == ["a", "b", "c"])
        #expect(Router.plan(gold, merchant: "m_vip", config: config, draw: 0.80).targets == ["b", "a", "c"])
        #expect(Router.plan(gold, merchant: "m_vip", config: config, draw: 0.999).targets == ["b", "a", "c"])
        let chances = Router.plan(gold, merchant: "m_vip", config: config).firstChoice
        #expect(chances.map(\.connection) == ["a", "b"])
        #expect(chances.map(\.probability) == [0.8, 0.2])
        // Over many draws the split follows the weights.
        var firsts: [String: Int] = [:]
        for index in 0..<1000 { firsts[Router.plan(gold, merchant: "m_vip", config: config, draw: Double(index) / 1000).targets[0], default: 0] += 1 }
        #expect(firsts == ["a": 800, "b": 200])
    }

    @Test func policiesComeFromDefaultsAndRuleOverrides() throws {
        let config = try snapshot()
        let small = Router.plan(request(100), config: config).policy
        #expect(small == AttemptPolicy(timeoutMs: nil, maxAttempts: 2, failoverOn: [.connectionError, .http5xx]))
        let mid = Router.plan(request(50_000), config: config).policy
        #expect(mid.timeoutMs == 900)
        #expect(mid.maxAttempts == 2)
        let gold = request(500_000, "USD", country: "MX", method: .card(token: "t"), metadata: ["tier": "gold", "channel": "web"])
        let vip = Router.plan(gold, merchant: "m_vip", config: config).policy
        #expect(vip.failoverOn == [.softDecline, .timeout])
        #expect(vip.maxAttempts == 3)
    }

    @Test func openBreakersAndUnsupportedConnectionsAreSkippedWithTheReason() throws {
        let config = try snapshot()
        let plan = Router.plan(request(50_000), config: config, breakers: BreakerView(open: ["b": "circuit breaker open"])) { connection, _ in
            connection.name == "a" ? (.unsupported, "a cannot carry it") : nil
        }
        #expect(plan.targets.isEmpty)
        #expect(plan.skipped == [.init(name: "b", reason: "circuit breaker open", kind: .breaker),
                                 .init(name: "a", reason: "a cannot carry it", kind: .unsupported)])
    }
}
