import Foundation
import Hummingbird
import PasarelaCore
import NIOCore

extension PagoEfectivoEmulator {
    /// The CIP API: `POST /v1/authorizations`, `POST /v1/cips`, `POST /v1/cips/search`, `PATCH /v1/cips/{cip}` (extend),
    /// `DELETE /v1/cips/{cip}`, and the payer's CIP page.
    public func addAPIRoutes<Router: RouterMethods>(to router: Router) {
        router.post("/v1/authorizations") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 16))
            // Only a status fault is meant for the token request; delays and garbage wait for the CIP call.
            if case .status(let status)? = self.faults.next(only: { if case .status = $0 { true } else { false } }) { return EmulatorResponse.json(status, object: Self.error(status, "falla inyectada", field: "-").1) }
            let (status, object) = self.authorize(body)
            return EmulatorResponse.json(status, object: object)
        }
        router.post("/v1/cips") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 16))
            let fault = self.faults.next()
            switch fault {
            case .status(let status): return EmulatorResponse.json(status, object: Self.error(status, "falla inyectada", field: "-").1)
            case .delayBeforeProcessing(let milliseconds): try await Task.sleep(for: .milliseconds(milliseconds))
            case .holdBeforeProcessing: await self.faults.waitUntilReleased()
            default: break
            }
            let (status, object) = self.generate(body, authorization: request.headers[.authorization])
            switch fault {
            case .garbage: return Response(status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "<html>error")))
            case .delayAfterProcessing(let milliseconds): try await Task.sleep(for: .milliseconds(milliseconds))
            case .holdAfterProcessing: await self.faults.waitUntilReleased()
            default: break
            }
            await self.replies.pass()
            return EmulatorResponse.json(status, object: object)
        }
        router.post("/v1/cips/search") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 16))
            // Like the token request, a search takes only a status fault; delays and garbage wait for a CIP call.
            if case .status(let status)? = self.faults.next(only: { if case .status = $0 { true } else { false } }) {
                return EmulatorResponse.json(status, object: Self.error(status, "falla inyectada", field: "-").1)
            }
            let (status, object) = self.search(body, authorization: request.headers[.authorization])
            return EmulatorResponse.json(status, object: object)
        }
        router.delete("/v1/cips/:cip") { request, context -> Response in
            let (status, object) = self.delete(Int(context.parameters.get("cip") ?? "") ?? -1, authorization: request.headers[.authorization])
            return EmulatorResponse.json(status, object: object)
        }
        router.patch("/v1/cips/:cip") { request, context -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 12))
            let (status, object) = self.extend(Int(context.parameters.get("cip") ?? "") ?? -1, body, authorization: request.headers[.authorization])
            return EmulatorResponse.json(status, object: object)
        }
        router.get("/cip/:page") { _, context -> Response in
            let cip = Int((context.parameters.get("page") ?? "").replacingOccurrences(of: ".html", with: "")) ?? 0
            let html = "<html><body><h1>PagoEfectivo</h1><p>CIP <b>\(cip)</b>: \(self.status(of: cip) ?? "no existe")</p></body></html>"
            return EmulatorResponse.html(html)
        }
    }

    /// Sandbox controls: `POST cips/{cip}/pay|expire`, `GET payments` (the ledger of CIPs).
    public func addControlRoutes<Router: RouterMethods>(to router: Router) {
        // `GET settlement?from=YYYY-MM-DD&to=YYYY-MM-DD`: the settlement report the PSP's dashboard would export.
        router.get("/settlement") { request, _ -> Response in
            SettlementExport.answer(request, zone: Timestamps.lima) { self.settlementRows($0) }
        }
        router.get("/payments") { _, _ -> Response in EmulatorResponse.json(200, object: self.ledgerJSON) }
        for action in ["pay", "expire"] {
            router.post("/cips/:cip/\(action)") { _, context -> Response in
                let (status, object) = await self.complete(Int(context.parameters.get("cip") ?? "") ?? -1, as: action)
                return EmulatorResponse.control(status, object: object)
            }
        }
    }
}
