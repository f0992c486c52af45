import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A made-up PSP of PagoEfectivo's shape with other paths, names, units and statuses, written by hand for the
/// test that proves a new PSP needs only a YAML file: API key header, minor units with a lower-case currency,
/// `WAITING` status, and webhooks signed `sha256=<base64 HMAC(key, timestamp + "." + body)>`.
final class AcmePayEmulator: Sendable {
    static let apiKey = "acme_key_123"
    static let webhookKey = "acme_webhook_456"

    struct Charge: Sendable {
        var uid: String
        var reference: String
        var cents: Int
        var currency: String
        var callback: String
        var state: String
    }

    let charges = Mutex<[String: Charge]>([:])
    /// Charges still to be answered with garbage after they are made (a lost answer).
    let garbleNext = Mutex(0)
    let port = Mutex(0)
    let group = Mutex<ServiceGroup?>(nil)

    func start() async throws {
        let router = Router()
        router.post("/api/v2/charges") { request, _ -> Response in
            guard request.headers.first(where: { $0.name.canonicalName == "x-api-key" })?.value == Self.apiKey else { return Self.json(403, ["result": "DENIED"]) }
            let body = try await request.body.collect(upTo: 1 << 16)
            guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any],
                  let cents = object["amt_cents"] as? Int, let currency = object["ccy"] as? String, currency == currency.lowercased(),
                  let reference = object["merchant_ref"] as? String, let callback = object["callback"] as? String,
                  let payer = object["payer"] as? [String: Any], payer["mail"] is String else {
                return Self.json(422, ["result": "INVALID", "reason": "amt_cents, ccy (lower case), merchant_ref, callback, payer.mail"])
            }
            let uid = "ch_\(Int.random(in: 100_000...999_999))"
            self.charges.withLock { $0[uid] = Charge(uid: uid, reference: reference, cents: cents, currency: currency.uppercased(), callback: callback, state: "WAITING") }
            let garble = self.garbleNext.withLock { count in
                defer { count = max(0, count - 1) }
                return count > 0
            }
            if garble { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "<html>upstream error"))) }
            return Self.json(200, ["result": "OK", "charge": ["uid": uid, "pay_code": "ACME-\(uid.dropFirst(3))", "state": "WAITING",
                                                              "link": "http://127.0.0.1:\(self.port.withLock { $0 })/pay/\(uid)",
                                                              "valid_until": "2030-01-01T00:00:00Z"]])
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0); continuation.finish() })
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "acme")))
        self.group.withLock { $0 = group }
        let run = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var bound: Int?
        for await value in ports { bound = value }
        guard let bound, bound > 0 else {
            try await run.value
            throw MerchantReceiver.ReceiverNotStarted(port: 0)
        }
        port.withLock { $0 = bound }
    }

    func stop() async { await group.withLock { $0 }?.triggerGracefulShutdown() }

    /// Settles a charge and posts the signed event to its callback; returns the HTTP status received.
    func settle(_ uid: String, kind: String = "charge.settled") async throws -> Int {
        guard let charge = charges.withLock({ $0[uid] }) else { return 0 }
        let body = Array(#"{"event_id":"ev_\#(UUID().uuidString)","kind":"\#(kind)","charge":{"uid":"\#(uid)","merchant_ref":"\#(charge.reference)","amount_cents":\#(charge.cents),"ccy":"\#(charge.currency)"}}"#.utf8)
        let timestamp = String(Int(Date().timeIntervalSince1970))
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Array(Self.webhookKey.utf8)))
        hmac.update(data: Array((timestamp + ".").utf8))
        hmac.update(data: body)
        var request = HTTPClientRequest(url: charge.callback)
        request.method = .POST
        request.headers.add(name: "X-Acme-Timestamp", value: timestamp)
        request.headers.add(name: "X-Acme-Signature", value: "sha256=" + Data(hmac.finalize()).base64EncodedString())
        request.body = .bytes(ByteBuffer(bytes: body))
        return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code)
    }

    static func json(_ status: Int, _ object: [String: Any]) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())))
    }
}
