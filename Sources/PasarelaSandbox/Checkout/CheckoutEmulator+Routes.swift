import Foundation
import Hummingbird
import NIOCore

extension CheckoutEmulator {
    /// The Checkout API: `POST /payments`, `GET /payments/{id}`. Every response has a `Content-Type`.
    public func addAPIRoutes<Router: RouterMethods>(to router: Router) {
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
            let (status, reply) = await self.create(headers: request.headers.map { ($0.name.rawName, $0.value) }, body: body, delay: delay)
            switch fault {
            case .garbage: return EmulatorResponse.json(200, Array("<html>gateway error".utf8))
            case .delayAfterProcessing(let milliseconds): try await Task.sleep(for: .milliseconds(milliseconds))
            default: break
            }
            await self.replies.pass()
            return EmulatorResponse.json(status, reply)
        }
        router.post("/payments/:id/voids") { request, context -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 16))
            let (status, reply) = await self.void(context.parameters.get("id") ?? "", headers: request.headers.map { ($0.name.rawName, $0.value) },
                                                  body: body)
            return EmulatorResponse.json(status, reply)
        }
        router.get("/payments/:id") { request, context -> Response in
            let (status, reply) = self.details(context.parameters.get("id") ?? "", headers: request.headers.map { ($0.name.rawName, $0.value) })
            return EmulatorResponse.json(status, reply)
        }
        router.get("/apm/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            let html = "<html><body><h1>Checkout sandbox APM</h1><p>Payment \(id): \(self.status(of: id) ?? "unknown")</p></body></html>"
            return EmulatorResponse.html(html)
        }
    }

    /// Sandbox controls: `POST payments/{id}/succeed|expire|cancel`, `GET payments` (the ledger).
    public func addControlRoutes<Router: RouterMethods>(to router: Router) {
        for action in ["succeed", "expire", "cancel"] {
            router.post("/payments/:id/\(action)") { _, context -> Response in
                let (status, reply) = await self.complete(context.parameters.get("id") ?? "", as: action)
                return EmulatorResponse.json(status, reply)
            }
        }
        router.get("/payments") { _, _ -> Response in
            let base = self.publicURL.withLock { $0 }
            let payments = self.state.withLock { state in state.order.compactMap { state.payments[$0]?.json(base: base) } }
            return EmulatorResponse.json(200, object: payments)
        }
        // `{"hold": true}` keeps approved card payments Authorized; `POST captures/release` captures them.
        router.post("/captures") { request, _ -> Response in
            let object = try await Self.object(request)
            if object["hold"] as? Bool == true { self.captures.hold() } else { self.captures.open() }
            return EmulatorResponse.json(200, object: ["holding": object["hold"] as? Bool == true])
        }
        router.post("/captures/release") { _, _ -> Response in
            EmulatorResponse.json(200, object: ["released": self.captures.release()])
        }
    }
}
