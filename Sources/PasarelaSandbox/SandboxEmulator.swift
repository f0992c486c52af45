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
    /// The settings ``applySetting(_:_:)`` knows.
    var settingNames: Set<String> { get }
}

extension DLocalEmulator: SandboxEmulator {}
extension CheckoutEmulator: SandboxEmulator {}
extension PagoEfectivoEmulator: SandboxEmulator {}

extension SandboxEmulator {
    /// Every control route, plus `POST faults` to inject misbehaviour over HTTP:
    /// `{"status": 503, "times": 1}`, `{"garbage": true}`, `{"delay_after_ms": 2000}`, `{"delay_before_ms": 500}`, and
    /// `{"rate_percent": 30}`: from then on that share of calls fail at random (503, 500, or 200 garbage), 0 to stop.
    public func addAllControlRoutes<Router: RouterMethods>(to router: Router) {
        addControlRoutes(to: router)
        let faultKeys: [String: ControlBody.Kind] = ["status": .int(400...599), "garbage": .bool, "delay_after_ms": .int(0...60_000),
                                                     "delay_before_ms": .int(0...60_000), "times": .int(1...100),
                                                     "rate_percent": .int(0...100)]
        router.post("/faults") { request, _ -> Response in
            try await ControlBody.handle(request, keys: faultKeys, required: true) { body in
                if let rate = body.int("rate_percent") {
                    guard body.keys == ["rate_percent"] else { return ControlBody.refusal("send rate_percent on its own") }
                    self.faults.setFailureRate(percent: rate)
                    return EmulatorResponse.json(200, object: ["rate_percent": rate])
                }
                let kinds = body.keys.subtracting(["times"])
                let fault: Fault? = switch kinds.first {
                case "status": body.int("status").map { .status($0) }
                case "garbage": body.bool("garbage") == true ? .garbage : nil
                case "delay_after_ms": body.int("delay_after_ms").map { .delayAfterProcessing(milliseconds: $0) }
                case "delay_before_ms": body.int("delay_before_ms").map { .delayBeforeProcessing(milliseconds: $0) }
                default: nil
                }
                guard kinds.count == 1, let fault else {
                    return ControlBody.refusal("send one of status (400-599), garbage (true), delay_after_ms, delay_before_ms; times 1-100; or rate_percent alone")
                }
                let times = body.int("times") ?? 1
                self.faults.inject(fault, times: times)
                return EmulatorResponse.json(200, object: ["injected": times])
            }
        }
        // `{"duplicates": 3}`, `{"hold": true}`, `{"drop_next": 1}`, `{"delay_ms": 500}`: how notifications go out from now on.
        let senderKeys: [String: ControlBody.Kind] = ["duplicates": .int(1...10), "drop_next": .int(0...100), "hold": .bool,
                                                      "delay_ms": .int(0...60_000)]
        router.post("/webhooks") { request, _ -> Response in
            try await ControlBody.handle(request, keys: senderKeys, required: true) { body in
                var behaviour = WebhookSender.Behaviour()
                behaviour.duplicates = body.int("duplicates") ?? 1
                behaviour.dropNext = body.int("drop_next") ?? 0
                behaviour.hold = body.bool("hold") ?? false
                behaviour.delayMs = body.int("delay_ms") ?? 0
                self.sender.set(behaviour)
                return EmulatorResponse.json(200, object: ["ok": true])
            }
        }
        // `{"order": "reverse"}` or `{"order": "sent"}`, optionally `{"count": 1}`: send the held notifications.
        router.post("/webhooks/release") { request, _ -> Response in
            try await ControlBody.handle(request, keys: ["order": .oneOf(["sent", "reverse"]), "count": .int(1...1000)], required: false) { body in
                let deliveries = await self.sender.release(reversed: body.string("order") == "reverse", count: body.int("count"))
                return EmulatorResponse.json(200, object: ["released": deliveries.map(\.json)])
            }
        }
        // `{"hold": true}` holds API replies from now on, `{"hold": false}` answers again; `POST replies/release`
        // (optionally `{"count": 1}`) lets held ones go.
        router.post("/replies") { request, _ -> Response in
            try await ControlBody.handle(request, keys: ["hold": .bool], required: true) { body in
                guard let hold = body.bool("hold") else { return ControlBody.refusal("send {\"hold\": true} or {\"hold\": false}") }
                if hold { self.replies.hold() } else { self.replies.open() }
                return EmulatorResponse.json(200, object: ["holding": hold, "held": self.replies.heldCount])
            }
        }
        router.post("/replies/release") { request, _ -> Response in
            try await ControlBody.handle(request, keys: ["count": .int(1...1000)], required: false) { body in
                EmulatorResponse.json(200, object: ["released": self.replies.release(body.int("count"))])
            }
        }
        // `{"url": "http://…/webhooks/NAME"}`: where a PSP with a registered notification URL posts.
        router.post("/notification-url") { request, _ -> Response in
            try await ControlBody.handle(request, keys: ["url": .httpURL], required: true) { body in
                guard let url = body.string("url") else { return ControlBody.refusal("send {\"url\": \"http…\"}") }
                self.setWebhookTarget(url)
                return EmulatorResponse.json(200, object: ["url": url])
            }
        }
        // `{"NAME": true|false}`: PSP behaviours the spec leaves open (see each emulator).
        router.post("/settings") { request, _ -> Response in
            try await ControlBody.handle(request, keys: nil, required: true) { body in
                // All or nothing: an unknown name refuses the whole body.
                if let unknown = body.keys.subtracting(self.settingNames).sorted().first {
                    return ControlBody.refusal("unknown setting '\(unknown.prefix(40))'; this emulator has \(self.settingNames.sorted().joined(separator: ", "))")
                }
                var applied: [String: Bool] = [:]
                for name in body.keys.sorted() {
                    guard let flag = body.bool(name) else { continue }
                    _ = self.applySetting(name, flag)
                    applied[name] = flag
                }
                return EmulatorResponse.json(200, object: applied)
            }
        }
    }
}
