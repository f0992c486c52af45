import Foundation
import PasarelaGateway
import PasarelaRouting
import Testing

/// Merchant-given URLs never turn the gateway against its own network: refused when given (422 naming the field) and
/// again when called, after DNS resolution.
@Suite struct OutboundPolicyTests {
    static let refusingRoutes = """
        outbound:
          private_addresses: refuse
        routes:
          - name: peru-cash
            match: { country: PE, method: cash }
            targets: [dlocal, pagoefectivo]
          - name: default
            targets: [dlocal]

        """

    func create(_ harness: Harness, url: String) async throws -> Harness.Reply {
        let body = Harness.cashBody(notificationURL: url)
        return try await harness.call("POST", "/v1/payments", json: body)
    }

    @Test func addressesNoMerchantMayReachAreRefusedWhenGiven() async throws {
        try await Harness.with { harness in
            let port = try #require(URL(string: harness.stack.gatewayURL)?.port)
            for url in ["http://169.254.169.254/latest/meta-data", "http://[::ffff:169.254.169.254]/latest", "http://[fe80::1]/x",
                        "http://224.0.0.1/x", "http://0.0.0.0:8080/x", "http://127.0.0.1:\(port)/sandbox/dlocal/faults",
                        "http://localhost:\(port)/v1/payments", "http://no-such-host.invalid/hooks"] {
                let reply = try await create(harness, url: url)
                #expect(reply.status == 422, "\(url): \(reply.text)")
                #expect(reply.error["param"] as? String == "notification_url", "\(url)")
                #expect(reply.error["code"] as? String == "url_not_allowed", "\(url)")
            }
            #expect((try await harness.call("GET", "/v1/payments").json["data"] as? [Any])?.isEmpty == true, "nothing was created")
            #expect(harness.stack.dlocal?.ledger.isEmpty == true)
            // In sandbox mode a receiver on loopback is fine.
            #expect(try await create(harness, url: "http://127.0.0.1:9/hooks").status == 201)
        }
    }

    @Test func privateAndLoopbackAddressesAreRefusedUnlessListed() async throws {
        try await Harness.with(routes: Self.refusingRoutes) { harness in
            for url in ["http://10.1.2.3/hooks", "http://192.168.0.7/hooks", "http://127.0.0.1:9/hooks", "http://localhost:9/hooks",
                        "http://[::1]:9/hooks"] {
                let reply = try await create(harness, url: url)
                #expect(reply.status == 422, "\(url): \(reply.text)")
                #expect((reply.error["message"] as? String)?.contains("outbound.allow") == true, "\(url)")
            }
        }
        let allowing = Self.refusingRoutes.replacingOccurrences(of: "  private_addresses: refuse\n",
                                                                with: "  private_addresses: refuse\n  allow: [127.0.0.1/32]\n")
        try await Harness.with(routes: allowing) { harness in
            let listed = try await create(harness, url: "http://127.0.0.1:9/hooks")
            let other = try await create(harness, url: "http://10.1.2.3/hooks")
            #expect(listed.status == 201)
            #expect(other.status == 422)
        }
    }

    @Test func aURLIsCheckedAgainWhenItIsCalled() async throws {
        // The merchant's default URL is not checked when a payment is made: the dispatcher checks it before sending.
        for (routes, url, reason) in [(nil, "http://169.254.169.254/latest", "link-local"),
                                      (Self.refusingRoutes, "http://localhost:9/hooks", "loopback")] {
            let folder = NSTemporaryDirectory() + "pasarela-refused-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try await Harness.with(environment: ["PASARELA_SANDBOX_NOTIFICATION_URL": url], routes: routes,
                                   databasePath: folder + "/p.sqlite") { harness in
                let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(notificationURL: nil))
                #expect(created.status == 201, "\(created.text)")
                let id = try #require(created.json["id"] as? String)
                let event = try #require(try await harness.call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]]).first
                let eventId = try #require(event?["id"] as? String)
                try await harness.eventually("the delivery is tried") { try await !harness.deliveryTries(eventId).isEmpty }
                let tries = try await harness.deliveryTries(eventId)
                #expect((tries.first?["error"] as? String)?.contains("refused by the outbound URL policy") == true, "\(tries)")
                #expect((tries.first?["error"] as? String)?.contains(reason) == true, "\(tries)")
                #expect(tries.first?["http_status"] is NSNull)
                // Refused, not retried on schedule: the event says so, the operator is told whose URL and how to fix it.
                let delivery = try await harness.call("GET", "/v1/events/\(eventId)").json["delivery"] as? [String: Any]
                #expect(delivery?["state"] as? String == "refused", "\(delivery ?? [:])")
                #expect(delivery?["next_attempt_at"] is NSNull)
                harness.clock.advance(by: 86_400)
                await harness.stack.dispatcher.deliverDue()
                #expect(try await harness.deliveryTries(eventId).count == 1)
                let refused = try await harness.stack.gateway.store.refusedNotifications()
                #expect(refused.map(\.merchantId) == ["merchant_sandbox"])
                #expect(refused.first?.reason.contains(reason) == true)
                let alerts = harness.stack.gateway.merchantAlerts.active("merchant_sandbox")
                #expect(alerts.map(\.kind) == ["notification_url_refused"])
                #expect(alerts.first?.fix.contains("pasarela merchants update merchant_sandbox") == true)
                let metrics = try await harness.call("GET", "/metrics", headers: []).text
                #expect(metrics.contains(#"pasarela_notifications_total{result="refused"}"#), "\(metrics.prefix(200))")
                #expect(metrics.contains(#"pasarela_merchant_alerts_total{kind="notification_url_refused",merchant="merchant_sandbox"}"#)
                        || metrics.contains(#"pasarela_merchant_alerts_total{merchant="merchant_sandbox",kind="notification_url_refused"}"#))
                // pasarela doctor reads the refused notifications from the database and names the merchant and the fix.
                let (exit, doctor) = try await PasarelaProcess(["doctor", "--config", Harness.repositoryRoot, "--database", folder + "/p.sqlite"],
                                                               folder: folder).finished()
                #expect(exit == 1, "\(doctor)")
                #expect(doctor.contains("merchant merchant_sandbox"), "\(doctor)")
                #expect(doctor.contains("1 notification to \(url) refused"), "\(doctor)")
            }
        }
    }

    /// A host that does not resolve at delivery may be a passing DNS failure: tried again on schedule, not refused.
    @Test func aHostThatDoesNotResolveIsTriedAgainNotRefused() async throws {
        try await Harness.with(environment: ["PASARELA_SANDBOX_NOTIFICATION_URL": "http://no-such-host.invalid/hooks"]) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(notificationURL: nil))
            let id = try #require(created.json["id"] as? String)
            let event = try #require(try await harness.call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]]).first
            let eventId = try #require(event?["id"] as? String)
            try await harness.eventually("the delivery is tried") { try await !harness.deliveryTries(eventId).isEmpty }
            let delivery = try await harness.call("GET", "/v1/events/\(eventId)").json["delivery"] as? [String: Any]
            #expect(delivery?["state"] as? String == "pending", "\(delivery ?? [:])")
            #expect((delivery?["last_error"] as? String)?.contains("does not resolve") == true)
            #expect(delivery?["next_attempt_at"] is String)
            #expect(try await harness.stack.gateway.store.refusedNotifications().isEmpty)
        }
    }

    /// `pasarela merchants add|update --notification-url` checks the URL as the API checks a payment's: scheme, host,
    /// and, in production, where it resolves.
    @Test func theMerchantCommandsApplyTheSamePolicy() async throws {
        let folder = NSTemporaryDirectory() + "pasarela-merchant-urls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = folder + "/pasarela.sqlite"
        func run(_ arguments: [String]) throws -> (Int32, String) {
            let config = ["add", "update"].contains(arguments[1]) ? ["--config", Harness.repositoryRoot] : []
            return try PasarelaProcess(arguments + ["--database", database] + config, folder: folder).finish()
        }
        let (metadata, refused) = try run(["merchants", "add", "shop", "--notification-url", "http://169.254.169.254/latest"])
        #expect(metadata == 1)
        #expect(refused.contains("--notification-url is not allowed: 169.254.169.254 is a link-local address"), "\(refused)")
        #expect(try run(["merchants", "add", "shop", "--notification-url", "ftp://example.com/x"]).0 == 1)
        let (added, output) = try run(["merchants", "add", "shop", "--notification-url", "http://10.1.2.3/hooks"])
        #expect(added == 0, "sandbox allows private addresses: \(output)")
        let (privateInProduction, message) = try run(["merchants", "update", "shop", "--notification-url", "http://10.1.2.4/hooks", "--production"])
        #expect(privateInProduction == 1)
        #expect(message.contains("10.1.2.4 is a private address (list it under outbound.allow in routes.yaml to allow it)"), "\(message)")
        let (cleared, _) = try run(["merchants", "update", "shop", "--no-notification-url", "--name", "Shop"])
        #expect(cleared == 0)
        let (_, list) = try run(["merchants", "list"])
        #expect(list.contains("shop  Shop  keys in use: 0  notifications: -"), "\(list)")
        #expect(try run(["merchants", "update", "nobody", "--name", "x"]).0 == 1)
    }

    @Test func addressesAreClassifiedByRange() async {
        let sandbox = OutboundPolicy(config: OutboundConfig(), sandbox: true, own: [("0.0.0.0", 8080)])
        let production = OutboundPolicy(config: OutboundConfig(allow: [CIDR("10.9.0.0/16")!]), sandbox: false)
        #expect(await sandbox.refusal("https://203.0.113.7/hooks") == nil)
        #expect(await sandbox.refusal("ftp://203.0.113.7/hooks") != nil)
        #expect(await sandbox.refusal("http://203.0.113.7:8080/hooks") == nil, "another host on the gateway's port")
        #expect(await sandbox.refusal("http://127.0.0.1:8080/hooks") != nil, "the gateway itself, listening on every address")
        #expect(await sandbox.refusal("http://10.0.0.1/hooks") == nil)
        #expect(await production.refusal("http://10.0.0.1/hooks") != nil)
        #expect(await production.refusal("http://10.9.3.4/hooks") == nil)
        #expect(await production.refusal("http://100.64.0.1/hooks") != nil)
        #expect(await production.refusal("http://[fd00::1]/hooks") != nil)
        #expect(await production.refusal("http://[2001:db8::1]/hooks") == nil)
    }
}
