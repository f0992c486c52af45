import Crypto
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A merchant's notification endpoint on loopback: verifies `Pasarela-Signature` the way the README tells merchants
/// to, records what it received, and fails its first `failFirst` requests with 503.
final class MerchantReceiver: Sendable {
    struct Received: Sendable {
        var type: String
        var eventId: String
        var verified: Bool
        var header: String? = nil
        var body: [UInt8] = []
    }

    let secret: String
    let failFirst: Int
    let received = Mutex<[Received]>([])
    let requests = Mutex(0)
    let port = Mutex(0)
    let group = Mutex<ServiceGroup?>(nil)
    let running = Mutex<Task<Void, any Error>?>(nil)

    init(secret: String, failFirst: Int = 0) {
        self.secret = secret
        self.failFirst = failFirst
    }

    var url: String { "http://127.0.0.1:\(port.withLock { $0 })/hooks" }

    /// Verifies `t=<unix>,v1=<hex>` over "<t>.<body>" in constant time and refuses timestamps older than 5 minutes.
    static func verify(header: String?, body: [UInt8], secret: String, now: Date = Date()) -> Bool {
        guard let header else { return false }
        // Several v1 values while a rolled secret's overlap runs: any one that verifies will do.
        var timestamp: String?, signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = pair[1] } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, let seconds = Double(timestamp), abs(now.timeIntervalSince1970 - seconds) < 300 else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        let expected = mac.map { String(format: "%02x", $0) }.joined()
        return signatures.contains { signature in
            expected.utf8.count == signature.utf8.count && zip(expected.utf8, signature.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }

    func start(port fixed: Int = 0) async throws {
        let router = Router()
        router.post("/hooks") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let count = self.requests.withLock { $0 += 1; return $0 }
            if count <= self.failFirst { return Response(status: .serviceUnavailable) }
            let header = request.headers.first(where: { $0.name.canonicalName == "pasarela-signature" })?.value
            let verified = Self.verify(header: header, body: body, secret: self.secret)
            let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
            self.received.withLock {
                $0.append(Received(type: object["type"] as? String ?? "?", eventId: object["id"] as? String ?? "?", verified: verified,
                                   header: header, body: body))
            }
            return Response(status: verified ? .noContent : .unauthorized)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: fixed)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0); continuation.finish() },
                              logger: Logger(label: "merchant"))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "merchant")))
        self.group.withLock { $0 = group }
        // A server that cannot bind (the port still held) ends the wait with its error instead of leaving it hanging.
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        running.withLock { $0 = task }
        var bound: Int?
        for await value in ports { bound = value }
        guard let bound, bound > 0 else {
            try await task.value
            throw ReceiverNotStarted(port: fixed)
        }
        port.withLock { $0 = bound }
    }

    /// Stops the server and waits until it has let go of its port.
    func stop() async {
        await group.withLock { $0 }?.triggerGracefulShutdown()
        _ = await running.withLock { $0 }?.result
    }

    struct ReceiverNotStarted: Error { var port: Int }

    /// Waits until `count` notifications were received (or 20 s pass).
    func waitFor(_ count: Int) async throws -> [Received] {
        for _ in 0..<400 {
            let list = received.withLock { $0 }
            if list.count >= count { return list }
            try await Task.sleep(for: .milliseconds(50))
        }
        return received.withLock { $0 }
    }
}
