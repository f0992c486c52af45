import Crypto
import Foundation
import PasarelaGateway
import Testing

/// Merchants and keys made with `pasarela merchants` / `pasarela keys`: a key works once made, a rolled key keeps
/// working for its overlap, a revoked one stops at once (within the cache's seconds), and no merchant ever sees
/// another's payments, refunds, attempts or events.
@Suite struct MerchantKeysTests {
    func admin(_ harness: Harness) -> MerchantAdmin { MerchantAdmin(store: harness.stack.gateway.store) }

    func get(_ harness: Harness, _ path: String, key: String) async throws -> Harness.Reply {
        try await harness.call("GET", path, headers: [("Authorization", "Bearer \(key)")])
    }

    func post(_ harness: Harness, _ path: String, key: String, json: String = "{}") async throws -> Harness.Reply {
        try await harness.call("POST", path, json: json, headers: [("Authorization", "Bearer \(key)")])
    }

    @Test func keysAreMadeRolledAndRevoked() async throws {
        try await Harness.with { harness in
            let admin = admin(harness)
            _ = try await admin.addMerchant(id: "acme", name: "ACME SAC", notificationURL: nil, policy: harness.stack.gateway.live.outbound)
            let first = try await admin.createKey(merchantId: "acme", mode: "test")
            #expect(first.secret.hasPrefix("sk_test_"))
            #expect(first.record.digest != first.secret && !first.record.digest.contains(first.secret))
            #expect(try await get(harness, "/v1/payments", key: first.secret).status == 200)
            let rolled = try await admin.rollKey(id: first.record.id, overlap: 3600)
            #expect(try await get(harness, "/v1/payments", key: rolled.secret).status == 200)
            #expect(try await get(harness, "/v1/payments", key: first.secret).status == 200, "the old key works during the overlap")
            try await admin.revokeKey(id: first.record.id)
            try await harness.eventually("the revoked key stops working", seconds: 10) {
                try await get(harness, "/v1/payments", key: first.secret).status == 401
            }
            #expect(try await get(harness, "/v1/payments", key: rolled.secret).status == 200)
            let zeroOverlap = try await admin.rollKey(id: rolled.record.id, overlap: 0)
            try await harness.eventually("a roll without overlap ends the old key", seconds: 10) {
                try await get(harness, "/v1/payments", key: rolled.secret).status == 401
            }
            #expect(try await get(harness, "/v1/payments", key: zeroOverlap.secret).status == 200)
            #expect(try await get(harness, "/v1/payments", key: "sk_test_" + String(repeating: "x", count: 32)).status == 401)
            await #expect(throws: MerchantAdmin.Failure.noMerchant("nobody")) { _ = try await admin.createKey(merchantId: "nobody", mode: "test") }
            await #expect(throws: MerchantAdmin.Failure.badInput("--mode is test or live")) { _ = try await admin.createKey(merchantId: "acme", mode: "prod") }
            await #expect(throws: MerchantAdmin.Failure.merchantExists("acme")) { _ = try await admin.addMerchant(id: "acme", name: nil, notificationURL: nil, policy: harness.stack.gateway.live.outbound) }
        }
    }

    @Test func theCommandsMakeAMerchantAndAKeyThatWork() async throws {
        let folder = NSTemporaryDirectory() + "pasarela-keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let database = folder + "/pasarela.sqlite"
        try await Harness.with(databasePath: database) { harness in
            let (added, addOutput) = try PasarelaProcess(["merchants", "add", "shop_1", "--name", "Shop One", "--database", database], folder: folder).finish()
            #expect(added == 0, "\(addOutput)")
            #expect(addOutput.contains("Notification secret (shown once"))
            let (created, output) = try PasarelaProcess(["keys", "create", "--merchant", "shop_1", "--mode", "test", "--database", database],
                                                        folder: folder).finish()
            #expect(created == 0, "\(output)")
            let key = try #require(output.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
            #expect(key.hasPrefix("sk_test_"))
            #expect(try await get(harness, "/v1/payments", key: key).status == 200)
            let (_, listing) = try PasarelaProcess(["keys", "list", "--database", database], folder: folder).finish()
            #expect(listing.contains("shop_1") && !listing.contains(key), "the list shows keys by their first characters only: \(listing)")
            let (refused, refusal) = try PasarelaProcess(["keys", "revoke", "key_nope", "--database", database], folder: folder).finish()
            #expect(refused == 1)
            #expect(refusal.contains("no key key_nope"))
        }
    }

    @Test func aRolledNotificationSecretSignsBesideTheOldOneDuringTheOverlap() async throws {
        let receiver = MerchantReceiver(secret: "unused")
        try await receiver.start()
        try await Harness.with { harness in
            let admin = admin(harness)
            let old = try await admin.addMerchant(id: "acme", name: nil, notificationURL: receiver.url, policy: harness.stack.gateway.live.outbound)
            let key = try await admin.createKey(merchantId: "acme", mode: "test")
            let new = try await admin.rollSecret(merchantId: "acme", overlap: 3600)
            let created = try await post(harness, "/v1/payments", key: key.secret, json: Harness.cashBody(notificationURL: nil))
            #expect(created.status == 201, "\(created.text)")
            let received = try await receiver.waitFor(1)
            let header = try #require(received.first)
            #expect(MerchantReceiver.verify(header: header.header, body: header.body, secret: new), "the new secret verifies")
            #expect(MerchantReceiver.verify(header: header.header, body: header.body, secret: old), "the old one too, during the overlap")
        }
        await receiver.stop()
    }

    @Test func noMerchantSeesAnothersPaymentsRefundsAttemptsOrEvents() async throws {
        try await Harness.with { harness in
            let admin = admin(harness)
            _ = try await admin.addMerchant(id: "other", name: nil, notificationURL: nil, policy: harness.stack.gateway.live.outbound)
            let other = try await admin.createKey(merchantId: "other", mode: "test").secret
            let id = try await RefundTests.capturedCard(harness)
            let refund = try await harness.call("POST", "/v1/payments/\(id)/refunds", json: #"{"amount":{"value":100,"currency":"PEN"}}"#)
            let refundId = try #require(refund.json["id"] as? String)
            let attemptId = try #require(((try await harness.payment(id))["attempts"] as? [[String: Any]])?.first?["id"] as? String)
            let eventId = try #require((try await harness.call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]])?.first?["id"] as? String)
            for path in ["/v1/payments/\(id)", "/v1/payments/\(id)/events", "/v1/payments/\(id)/refunds", "/v1/refunds/\(refundId)",
                         "/v1/payments/\(id)/attempts/\(attemptId)", "/v1/events/\(eventId)", "/v1/events?since=\(eventId)"] {
                let reply = try await get(harness, path, key: other)
                #expect(reply.status == 404, "GET \(path): \(reply.status) \(reply.text)")
                #expect(!reply.text.contains("pedro@example.com") && !reply.text.contains("ana@example.com"))
            }
            for path in ["/v1/payments/\(id)/cancel", "/v1/payments/\(id)/capture", "/v1/payments/\(id)/refunds", "/v1/events/\(eventId)/redeliver"] {
                let reply = try await post(harness, path, key: other)
                #expect(reply.status == 404, "POST \(path): \(reply.status) \(reply.text)")
            }
            #expect((try await get(harness, "/v1/payments", key: other).json["data"] as? [Any])?.isEmpty == true)
            #expect((try await get(harness, "/v1/events", key: other).json["data"] as? [Any])?.isEmpty == true)
            #expect(try await harness.payment(id)["amount_refunded"] != nil, "the owner still sees it")
        }
    }
}
