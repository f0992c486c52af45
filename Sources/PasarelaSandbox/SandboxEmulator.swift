import Foundation
import Hummingbird
import NIOCore

/// What every emulator offers: its PSP API, its sandbox controls, and fault injection.
public protocol SandboxEmulator: AnyObject, Sendable {
    /// The PSP's own API, mounted at the root of the emulator's server.
    func addAPIRoutes<Router: RouterMethods>(to router: Router)
    /// Sandbox controls, mounted under `/sandbox` on the emulator and `/sandbox/{connection}` on the gateway.
    func addControlRoutes<Router: RouterMethods>(to router: Router)
    /// Where the emulator is reachable, for the links it hands out.
    func setPublicURL(_ url: String)
    /// Faults to show on the next API calls.
    var faults: FaultQueue { get }
    /// How the emulator's notifications go out.
    var sender: WebhookSender { get }
    /// Holds API replies on request.
    var replies: ReplyGate { get }
    /// Where notifications go, for PSPs that post to a URL registered with them rather than one sent per request.
    func setWebhookTarget(_ url: String?)
    /// Changes a PSP behaviour the spec leaves open, by name (`{"name": true}` on `POST settings`).
    /// - Returns: `false` for a name the emulator does not know.
    func applySetting(_ name: String, _ value: Bool) -> Bool
}

extension DLocalEmulator: SandboxEmulator {}
extension CheckoutEmulator: SandboxEmulator {}
extension PagoEfectivoEmulator: SandboxEmulator {}

extension SandboxEmulator {
    /// Every control route, plus `POST faults` to inject misbehaviour over HTTP:
    /// `{"status": 503, "times": 1}`, `{"garbage": true}`, `{"delay_after_ms": 2000}`, `{"delay_before_ms": 500}`.
    public func addAllControlRoutes<Router: RouterMethods>(to router: Router) {
        addControlRoutes(to: router)
        router.post("/faults") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 12)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            let times = object["times"] as? Int ?? 1
            let fault: Fault? = if let status = object["status"] as? Int, (400..<600).contains(status) { .status(status) }
                else if object["garbage"] as? Bool == true { .garbage }
                else if let ms = object["delay_after_ms"] as? Int { .delayAfterProcessing(milliseconds: ms) }
                else if let ms = object["delay_before_ms"] as? Int { .delayBeforeProcessing(milliseconds: ms) }
                else { nil }
            guard let fault, (1...100).contains(times) else {
                let message = #"{"error":"send one of status (400-599), garbage, delay_after_ms, delay_before_ms; times 1-100"}"#
                return Response(status: .badRequest, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: message)))
            }
            self.faults.inject(fault, times: times)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"injected":\#(times)}"#)))
        }
        // `{"duplicates": 3}`, `{"hold": true}`, `{"drop_next": 1}`, `{"delay_ms": 500}`: how notifications go out from now on.
        router.post("/webhooks") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 12)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            var behaviour = WebhookSender.Behaviour()
            behaviour.duplicates = min(max(object["duplicates"] as? Int ?? 1, 1), 10)
            behaviour.dropNext = min(max(object["drop_next"] as? Int ?? 0, 0), 100)
            behaviour.hold = object["hold"] as? Bool ?? false
            behaviour.delayMs = min(max(object["delay_ms"] as? Int ?? 0, 0), 60_000)
            self.sender.set(behaviour)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
        }
        // `{"order": "reverse"}` or `{"order": "sent"}`, optionally `{"count": 1}`: send the held notifications.
        router.post("/webhooks/release") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 12)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
            let deliveries = await self.sender.release(reversed: object["order"] as? String == "reverse", count: object["count"] as? Int)
            let data = try JSONSerialization.data(withJSONObject: ["released": deliveries.map(\.json)], options: [.sortedKeys])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        // `{"hold": true}` holds API replies from now on; `POST replies/release` (optionally `{"count": 1}`) lets them go.
        router.post("/replies") { request, _ -> Response in
            let object = try await Self.object(request)
            if object["hold"] as? Bool == true { self.replies.hold() } else { self.replies.open() }
            return EmulatorResponse.json(200, object: ["holding": object["hold"] as? Bool == true, "held": self.replies.heldCount])
        }
        router.post("/replies/release") { request, _ -> Response in
            let object = try await Self.object(request)
            return EmulatorResponse.json(200, object: ["released": self.replies.release(object["count"] as? Int)])
        }
        // `{"url": "http://…/webhooks/NAME"}`: where a PSP with a registered notification URL posts.
        router.post("/notification-url") { request, _ -> Response in
            let object = try await Self.object(request)
            guard let url = object["url"] as? String, url.hasPrefix("http") else {
                return EmulatorResponse.json(400, object: ["error": "send {\"url\": \"http…\"}"])
            }
            self.setWebhookTarget(url)
            return EmulatorResponse.json(200, object: ["url": url])
        }
        // `{"NAME": true|false}`: PSP behaviours the spec leaves open (see each emulator).
        router.post("/settings") { request, _ -> Response in
            let object = try await Self.object(request)
            var applied: [String: Bool] = [:]
            for (name, value) in object {
                guard let flag = value as? Bool, self.applySetting(name, flag) else {
                    return EmulatorResponse.json(400, object: ["error": "unknown setting or not a boolean: \(name.prefix(40))"])
                }
                applied[name] = flag
            }
            return EmulatorResponse.json(200, object: applied)
        }
    }

    static func object(_ request: Request) async throws -> [String: Any] {
        let body = try await request.body.collect(upTo: 1 << 12)
        return (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }
}
