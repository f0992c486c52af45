import Foundation
import Logging
@testable import PasarelaGateway
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting
import Testing

/// Webhooks into facts, and the doctor on a config alone.
@Suite struct IngestWebhookTests {
    /// A dLocal notification of `pspId` (our reference `attemptId`), signed as dLocal signs them with `secret`.
    static func notification(_ pspId: String, attemptId: String, at date: Date, login: String, secret: String) -> InboundMessage {
        let body = Array(#"{"id":"\#(pspId)","amount":150,"currency":"PEN","payment_method_id":"EF","payment_method_type":"TICKET","country":"PE","status":"PAID","status_code":"200","status_detail":"The payment was paid.","order_id":"\#(attemptId)","created_date":"\#(Timestamps.utcMillis(date))"}"#.utf8)
        let xDate = Timestamps.utcMillis(date)
        let signature = DLocalSignature.signature(login: login, date: xDate, body: body, secretKey: secret)
        return InboundMessage(headers: [("X-Date", xDate), ("Authorization", "V2-HMAC-SHA256, Signature: \(signature)")], body: body)
    }

    @Test func aSignedNotificationIsAppliedOnceAndAForgedOneIsRefusedAndCounted() async throws {
        try await World.with { world in
            let stored = try await world.created(World.cash())
            let pspId = try #require(stored.payment.pspPaymentId), attemptId = try #require(stored.lastAttempt?.id)
            let credentials = try #require(world.live.current.connections["dlocal"]?.config.credentials)
            let login = try credentials.required("login"), secret = try credentials.required("secret_key")
            let forged = Self.notification(pspId, attemptId: attemptId, at: world.clock.now(), login: login, secret: "guess")
            await #expect(throws: WebhookRefusal.signatureInvalid) {
                try await world.ingest.receive(WebhookDelivery(connection: "dlocal", message: forged, peer: "127.0.0.1"))
            }
            #expect(world.counters.refusedWebhooks("dlocal") == 1)
            let genuine = Self.notification(pspId, attemptId: attemptId, at: world.clock.now(), login: login, secret: secret)
            #expect(try await world.ingest.receive(WebhookDelivery(connection: "dlocal", message: genuine, peer: "127.0.0.1")) == [.applied(.succeeded)])
            #expect(try await world.ingest.receive(WebhookDelivery(connection: "dlocal", message: genuine, peer: "127.0.0.1")) == [.duplicate])
            #expect(try await world.store.payment(id: stored.payment.id, merchantId: nil)?.payment.status == .succeeded)
            await #expect(throws: WebhookRefusal.unknownConnection("paypal")) {
                try await world.ingest.receive(WebhookDelivery(connection: "paypal", message: genuine, peer: "127.0.0.1"))
            }
        }
    }

    @Test func aNotificationSignedLongAgoIsRefusedAsStale() async throws {
        try await World.with { world in
            let stored = try await world.created(World.cash())
            let credentials = try #require(world.live.current.connections["dlocal"]?.config.credentials)
            let old = Self.notification(try #require(stored.payment.pspPaymentId), attemptId: try #require(stored.lastAttempt?.id),
                                        at: world.clock.now().addingTimeInterval(-3600), login: try credentials.required("login"),
                                        secret: try credentials.required("secret_key"))
            do {
                _ = try await world.ingest.receive(WebhookDelivery(connection: "dlocal", message: old, peer: "127.0.0.1"))
                Issue.record("an hour-old signature was taken")
            } catch WebhookRefusal.stale(let reason) {
                #expect(reason.contains("3600 s ago"), "\(reason)")
            }
            #expect(try await world.store.payment(id: stored.payment.id, merchantId: nil)?.payment.status == .requiresAction)
        }
    }
}

@Suite struct DoctorUseCaseTests {
    @Test func theDoctorChecksAConnectionWithoutAStore() async throws {
        try await World.with { world in
            let doctor = Doctor(snapshot: world.live.current.snapshot, publicBaseURL: "http://127.0.0.1:1", sandbox: true, logger: world.logger,
                                now: world.clock.now)
            let findings = await doctor.diagnose(connection: "dlocal")
            #expect(findings.allSatisfy { $0.level != .problem }, "\(findings)")
            #expect(findings.last?.message.contains("credentials and request signing accepted") == true, "\(findings)")
            #expect(await doctor.diagnose(connection: "nope") == [DoctorFinding(.problem, "nope", "no such connection")])
        }
    }
}
