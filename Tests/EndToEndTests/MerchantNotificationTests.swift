import Foundation
import PasarelaGateway
import Testing

/// Signed merchant notifications from the outbox: delivered, verified, retried, resumed after a restart, redelivered.
@Suite struct MerchantNotificationTests {
    static let secret = MerchantDirectory.defaultSandboxWebhookSecret

    @Test func eachChangeIsNotifiedSignedAndListed() async throws {
        let receiver = MerchantReceiver(secret: Self.secret)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        try await Harness.with { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(notificationURL: receiver.url))
            let id = try #require(created.json["id"] as? String)
            let pspId = try #require(created.json["psp_payment_id"] as? String)
            _ = try await harness.call("POST", "/sandbox/dlocal/payments/\(pspId)/pay")
            let received = try await receiver.waitFor(2)
            #expect(received.map(\.type) == ["payment.requires_action", "payment.succeeded"])
            let allVerified = received.allSatisfy { $0.verified }
            #expect(allVerified)

            let events = try await harness.call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]] ?? []
            #expect(events.map { $0["type"] as? String } == ["payment.requires_action", "payment.succeeded"])
            #expect(events.map { $0["id"] as? String } == received.map(\.eventId))
            let last = try #require(events.last)
            #expect(((last["data"] as? [String: Any])?["object"] as? [String: Any])?["status"] as? String == "succeeded")
            let since = try await harness.call("GET", "/v1/events?since=\(received[0].eventId)").json["data"] as? [[String: Any]] ?? []
            #expect(since.map { $0["id"] as? String } == [received[1].eventId])
            #expect(try await harness.call("GET", "/v1/events?since=evt_nope").status == 404)

            let detail = try await harness.call("GET", "/v1/events/\(received[1].eventId)")
            let delivery = try #require(detail.json["delivery"] as? [String: Any])
            #expect(delivery["state"] as? String == "delivered")
            #expect((delivery["tries"] as? [[String: Any]])?.map { $0["http_status"] as? Int } == [204])

            let redelivered = try await harness.call("POST", "/v1/events/\(received[1].eventId)/redeliver")
            #expect(redelivered.status == 200)
            #expect(try await receiver.waitFor(3).map(\.eventId) == received.map(\.eventId) + [received[1].eventId])
        }
    }

    /// Retries are driven by the gateway's clock, not by waiting: the test moves a frozen clock past each retry.
    static let schedule: [Duration] = [.seconds(30), .seconds(60), .seconds(120)]

    @Test func aFailingReceiverIsRetriedUntilItAccepts() async throws {
        let receiver = MerchantReceiver(secret: Self.secret, failFirst: 2)
        try await receiver.start()
        defer { Task { await receiver.stop() } }
        let clock = TestClock(frozenAt: Date())
        try await Harness.with(notificationSchedule: Self.schedule, clock: clock) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody(notificationURL: receiver.url))
            let id = try #require(created.json["id"] as? String)
            let event = try #require((try await harness.call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]])?.first?["id"] as? String)
            for (tries, wait) in [(1, 30.0), (2, 60.0)] {
                try await harness.eventually("try \(tries)") { try await harness.deliveryTries(event).count == tries }
                #expect(receiver.received.withLock { $0.isEmpty })
                clock.advance(by: wait)
                harness.stack.gateway.outbox.wake()
            }
            try await harness.eventually("the third try") { try await harness.deliveryTries(event).count == 3 }
            #expect(try await harness.deliveryTries(event).map { $0["http_status"] as? Int } == [503, 503, 204])
            #expect(receiver.received.withLock { $0 }.map(\.type) == ["payment.requires_action"])
        }
    }

    @Test func aReceiverThatNeverAcceptsIsGivenUpOnWithEveryTryRecorded() async throws {
        let clock = TestClock(frozenAt: Date())
        try await Harness.with(notificationSchedule: Self.schedule, clock: clock) { harness in
            let created = try await harness.call("POST", "/v1/payments", json: Harness.cashBody())
            let id = try #require(created.json["id"] as? String)
            let event = try #require((try await harness.call("GET", "/v1/payments/\(id)/events").json["data"] as? [[String: Any]])?.first?["id"] as? String)
            for (tries, wait) in [(1, 30.0), (2, 60.0), (3, 120.0)] {
                try await harness.eventually("try \(tries)") { try await harness.deliveryTries(event).count == tries }
                clock.advance(by: wait)
                harness.stack.gateway.outbox.wake()
            }
            try await harness.eventually("giving up") {
                (try await harness.call("GET", "/v1/events/\(event)").json["delivery"] as? [String: Any])?["state"] as? String == "failed"
            }
            let delivery = try await harness.call("GET", "/v1/events/\(event)").json["delivery"] as? [String: Any] ?? [:]
            #expect(delivery["attempts"] as? Int == 4)
            #expect(((delivery["tries"] as? [[String: Any]])?.first?["error"] as? String)?.isEmpty == false)
            // Nothing more is tried, however far the clock moves.
            clock.advance(by: 86_400)
            await harness.stack.dispatcher.deliverDue()
            #expect(try await harness.deliveryTries(event).count == 4)
        }
    }

    @Test func pendingDeliveriesResumeAfterARestart() async throws {
        let database = NSTemporaryDirectory() + "pasarela-restart-\(UUID().uuidString).sqlite"
        let receiver = MerchantReceiver(secret: Self.secret)
        try await receiver.start()
        let port = receiver.port.withLock { $0 }
        await receiver.stop()
        // First run: the merchant is down, so the notification stays pending.
        let first = try await Harness.start(databasePath: database, notificationSchedule: [.seconds(1), .seconds(1), .seconds(1)])
        let created = try await first.call("POST", "/v1/payments", json: Harness.cashBody(notificationURL: receiver.url))
        #expect(created.status == 201)
        // The first try has failed (and is recorded) before the gateway stops; a loaded machine may take a while.
        let firstEvent = try await first.call("GET", "/v1/events").json["data"] as? [[String: Any]] ?? []
        let eventId = try #require(firstEvent.first?["id"] as? String)
        try await first.eventually("the first delivery try") { try await first.deliveryTries(eventId).count == 1 }
        await first.stop()
        // Second run on the same database, merchant back up: the pending notification goes out.
        let back = MerchantReceiver(secret: Self.secret)
        try await back.start(port: port)
        defer { Task { await back.stop() } }
        try await Harness.with(databasePath: database) { harness in
            let received = try await back.waitFor(1)
            #expect(received.first?.type == "payment.requires_action")
            #expect(received.first?.verified == true)
            let events = try await harness.call("GET", "/v1/events").json["data"] as? [[String: Any]] ?? []
            let detail = try await harness.call("GET", "/v1/events/\(events.first?["id"] as? String ?? "")")
            let tries = (detail.json["delivery"] as? [String: Any])?["tries"] as? [[String: Any]] ?? []
            // One failed try (or more: the first run may retry before it stops) while the merchant was down, then the
            // delivery after the restart. A failed try has no status, or another server's (a test running alongside may
            // listen on the freed port meanwhile), never a 2xx.
            #expect(tries.count >= 2, "\(tries)")
            #expect(tries.dropLast().allSatisfy { ($0["http_status"] as? Int).map { !(200..<300).contains($0) } ?? true }, "\(tries)")
            #expect(tries.last?["http_status"] as? Int == 204)
        }
    }

    @Test func theSignatureExampleInTheREADMEVerifies() {
        let body = Array(#"{"id":"evt_example","type":"payment.succeeded"}"#.utf8)
        let header = OutboxDispatcher.signature(body: body, secret: "whsec_test", timestamp: 1_795_705_445)
        #expect(header == "t=1795705445,v1=" + "\(Self.readmeDigest)")
        #expect(MerchantReceiver.verify(header: header, body: body, secret: "whsec_test", now: Date(timeIntervalSince1970: 1_795_705_500)))
        #expect(!MerchantReceiver.verify(header: header, body: body, secret: "whsec_test", now: Date(timeIntervalSince1970: 1_795_706_000)))
        #expect(!MerchantReceiver.verify(header: header, body: body + [32], secret: "whsec_test", now: Date(timeIntervalSince1970: 1_795_705_500)))
    }

    static let readmeDigest = "a5ffb0db1bc57320631267c4f4b48b126c89fbc56c6cb7ad2302d9acf776ffe8"
}
