import Foundation
import Hummingbird
import NIOCore

extension CheckoutEmulator {
    /// The Checkout API: `POST /payments`, `GET /payments/{id}`, its actions, captures, voids and refunds. Every answer
    /// has a `Content-Type`, a `Cko-Request-Id`, and an error body when it is one (an unknown path too).
    public func addAPIRoutes<Router: RouterMethods>(to parent: Router) {
        let router = parent.group().add(middleware: CheckoutRequestIds<Router.Context>())
        router.post("/payments") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let fault = self.faults.next()
            switch fault {
            case .status(let status):
                return EmulatorResponse.json(status, CheckoutEmulatorError(http: status, type: status == 429 ? "too_many_requests" : "processing_error",
                                                                codes: ["injected_fault"]).body)
            default: break
            }
            var delay = 0
            if case .delayBeforeProcessing(let milliseconds)? = fault { delay = milliseconds }
            let (status, reply) = await self.create(headers: Self.headers(request), body: body, delay: delay, held: fault == .holdBeforeProcessing)
            switch fault {
            case .garbage: return EmulatorResponse.json(200, Array("<html>gateway error".utf8))
            case .delayAfterProcessing(let milliseconds): try await Task.sleep(for: .milliseconds(milliseconds))
            case .holdAfterProcessing: await self.faults.waitUntilReleased()
            default: break
            }
            await self.replies.pass()
            return EmulatorResponse.json(status, reply)
        }
        for (path, kind) in [("captures", ActionKind.capture), ("voids", .void), ("refunds", .refund)] {
            router.post("/payments/:id/\(path)") { request, context -> Response in
                let body = Array(buffer: try await request.body.collect(upTo: 1 << 16))
                if case .status(let status)? = self.faults.next() {
                    return EmulatorResponse.json(status, CheckoutEmulatorError(http: status, type: "processing_error", codes: ["injected_fault"]).body)
                }
                let (status, reply) = await self.act(kind, on: context.parameters.get("id") ?? "", headers: Self.headers(request), body: body)
                return EmulatorResponse.json(status, reply)
            }
        }
        router.get("/payments/:id") { request, context -> Response in
            let (status, reply) = self.details(context.parameters.get("id") ?? "", headers: Self.headers(request))
            return EmulatorResponse.json(status, reply)
        }
        router.get("/payments/:id/actions") { request, context -> Response in
            let (status, reply) = self.actions(of: context.parameters.get("id") ?? "", headers: Self.headers(request))
            return EmulatorResponse.json(status, reply)
        }
        router.get("/apm/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let html = "<html><body><h1>Checkout sandbox APM</h1><p>Payment \(id): \(self.status(of: id) ?? "unknown")</p></body></html>"
            return EmulatorResponse.html(html)
        }
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method) { _, _ -> Response in
                EmulatorResponse.json(404, CheckoutEmulatorError.notFound("resource_not_found").body)
            }
        }
    }

    static func headers(_ request: Request) -> [(name: String, value: String)] {
        request.headers.map { ($0.name.rawName, $0.value) }
    }

    /// Sandbox controls: `POST payments/{id}/succeed|expire|cancel`, `GET payments` (the ledger).
    public func addControlRoutes<Router: RouterMethods>(to router: Router) {
        // `GET settlement?from=YYYY-MM-DD&to=YYYY-MM-DD`: the settlement report the PSP's dashboard would export.
        router.get("/settlement") { request, _ -> Response in
            SettlementExport.answer(request, zone: TimeZone(secondsFromGMT: 0)!) { self.settlementRows($0) }
        }
        for action in ["succeed", "expire", "cancel"] {
            router.post("/payments/:id/\(action)") { _, context -> Response in
                let (status, reply) = await self.complete(context.parameters.get("id") ?? "", as: action)
                return EmulatorResponse.control(status, reply)
            }
        }
        router.get("/payments") { _, _ -> Response in
            let base = self.publicURL.withLock { $0 }
            let payments = self.state.withLock { state in state.payments.all().map { $0.json(base: base) } }
            return EmulatorResponse.json(200, object: payments)
        }
        // `{"hold": true}` keeps approved card payments Authorized; `POST captures/release` captures them.
        router.post("/captures") { request, _ -> Response in
            try await ControlBody.handle(request, keys: ["hold": .bool], required: true) { body in
                guard let hold = body.bool("hold") else { return ControlBody.refusal("send {\"hold\": true} or {\"hold\": false}") }
                if hold { self.captures.hold() } else { self.captures.open() }
                return EmulatorResponse.json(200, object: ["holding": hold])
            }
        }
        router.post("/captures/release") { _, _ -> Response in
            EmulatorResponse.json(200, object: ["released": self.captures.release()])
        }
    }
}

/// Gives every Checkout answer its `Cko-Request-Id` (the same id error bodies carry as `request_id`) and `Cko-Version`.
struct CheckoutRequestIds<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = EmulatorIds.checkout("req")
        var response = try await CheckoutEmulator.$requestId.withValue(id) { try await next(request, context) }
        response.headers[.init("Cko-Request-Id")!] = id
        response.headers[.init("Cko-Version")!] = "1.0.0"
        return response
    }
}
