import Foundation
import Hummingbird
import NIOCore

extension DLocalEmulator {
    /// The dLocal API: `POST /payments` (also captures), `GET /payments/{id}`, `GET /payments/{id}/status`,
    /// `POST /payments/{id}/cancel`, `POST /refunds`, `GET /refunds/{id}`, `GET /refunds/{id}/status`, plus the voucher page.
    public func addAPIRoutes<Router: RouterMethods>(to router: Router) {
        router.post("/payments") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let fault = self.faults.next()
            switch fault {
            case .status(let status):
                let code = status == 429 ? 6000 : status >= 500 ? 7000 : 5000
                return EmulatorResponse.json(status, EmulatorError(http: status, code: code, message: "Injected fault").body)
            case .delayBeforeProcessing(let milliseconds):
                try await Task.sleep(for: .milliseconds(milliseconds))
            case .holdBeforeProcessing: await self.faults.waitUntilReleased()
            default: break
            }
            let reply: Response
            do throws(EmulatorError) {
                let payment = try self.create(headers: Self.headers(request), body: Array(buffer: body))
                reply = EmulatorResponse.json(200, Self.encode(payment))
            } catch {
                reply = EmulatorResponse.json(error.http, error.body)
            }
            switch fault {
            case .garbage:
                return EmulatorResponse.garbage
            case .delayAfterProcessing(let milliseconds):
                try await Task.sleep(for: .milliseconds(milliseconds))
            case .holdAfterProcessing: await self.faults.waitUntilReleased()
            default: break
            }
            await self.replies.pass()
            return reply
        }
        router.post("/payments/:id/cancel") { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            if case .status(let status)? = self.faults.next(only: { if case .status = $0 { true } else { false } }) {
                return EmulatorResponse.json(status, EmulatorError(http: status, code: status >= 500 ? 7000 : 5000, message: "Injected fault").body)
            }
            do throws(EmulatorError) {
                let payment = try self.cancel(id: id, headers: Self.headers(request))
                _ = await self.notify(id)
                return EmulatorResponse.json(200, Self.encode(payment))
            } catch {
                return EmulatorResponse.json(error.http, error.body)
            }
        }
        router.get("/payments/:id") { request, context -> Response in
            Self.reading(self.faults.next(only: \.readable)) { () throws(EmulatorError) in
                Self.encode(try self.payment(id: context.parameters.get("id") ?? "", headers: Self.headers(request)))
            }
        }
        router.get("/orders/:order_id") { request, context -> Response in
            Self.reading(self.faults.next(only: \.readable)) { () throws(EmulatorError) in
                try self.order(id: context.parameters.get("order_id") ?? "", headers: Self.headers(request))
            }
        }
        router.get("/payments/:id/status") { request, context -> Response in
            do {
                let payment = try self.payment(id: context.parameters.get("id") ?? "", headers: Self.headers(request))
                let object: [String: String] = ["id": payment.id, "status": payment.status, "status_code": payment.statusCode,
                                                "status_detail": payment.statusDetail]
                return EmulatorResponse.json(200, object: object)
            } catch let error as EmulatorError {
                return EmulatorResponse.json(error.http, error.body)
            }
        }
        router.post("/refunds") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            if case .status(let status)? = self.faults.next(only: { if case .status = $0 { true } else { false } }) {
                return EmulatorResponse.json(status, EmulatorError(http: status, code: status >= 500 ? 7000 : 5000, message: "Injected fault").body)
            }
            do throws(EmulatorError) {
                let refund = try self.createRefund(headers: Self.headers(request), body: Array(buffer: body))
                await self.replies.pass()
                return EmulatorResponse.json(200, Self.encode(refund))
            } catch {
                return EmulatorResponse.json(error.http, error.body)
            }
        }
        router.get("/refunds/:id") { request, context -> Response in
            do throws(EmulatorError) {
                return EmulatorResponse.json(200, Self.encode(try self.refund(id: context.parameters.get("id") ?? "", headers: Self.headers(request))))
            } catch {
                return EmulatorResponse.json(error.http, error.body)
            }
        }
        router.get("/refunds/:id/status") { request, context -> Response in
            do throws(EmulatorError) {
                let refund = try self.refund(id: context.parameters.get("id") ?? "", headers: Self.headers(request))
                let object: [String: Any] = ["id": refund.id, "payment_id": refund.paymentId, "status": refund.status,
                                             "status_code": refund.statusCode, "status_detail": refund.statusDetail]
                return EmulatorResponse.json(200, object: object)
            } catch {
                return EmulatorResponse.json(error.http, error.body)
            }
        }
        router.get("/tickets/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard let payment = self.state.withLock({ $0.payments[id] }), let ticket = payment.ticket else {
                return EmulatorResponse.json(404, EmulatorError.paymentNotFound.body)
            }
            let html = "<html><body><h1>\(ticket.providerName)</h1><p>CIP <b>\(ticket.number)</b></p><p>\(ticket.amount) \(ticket.currency)</p><p>Expires \(ticket.expirationDate)</p></body></html>"
            return EmulatorResponse.html(html)
        }
    }

    /// Sandbox controls: `POST payments/{id}/pay|expire|cancel` (then the signed notification is sent) and
    /// `GET payments` (the ledger).
    public func addControlRoutes<Router: RouterMethods>(to router: Router) {
        // `GET settlement?from=YYYY-MM-DD&to=YYYY-MM-DD`: the settlement report the PSP's dashboard would export.
        router.get("/settlement") { request, _ -> Response in
            SettlementExport.answer(request, zone: TimeZone(secondsFromGMT: 0)!) { self.settlementRows($0) }
        }
        for completion in [Completion.paid, .expired, .cancelled] {
            router.post("/payments/:id/\(completion.rawValue)") { _, context -> Response in
                let id = context.parameters.get("id") ?? ""
                do {
                    let payment = try self.complete(id, as: completion)
                    let delivery = await self.notify(id)
                    let object: [String: Any] = [
                        "id": payment.id, "status": payment.status, "status_code": payment.statusCode,
                        "notification": delivery.json,
                    ]
                    return EmulatorResponse.json(200, object: object)
                } catch let error as EmulatorError {
                    return EmulatorResponse.control(error.http, error.body)
                }
            }
        }
        router.get("/payments") { _, _ -> Response in
            let payments = self.state.withLock { state in state.payments.all() }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return EmulatorResponse.json(200, Array(try encoder.encode(payments)))
        }
        // `POST refunds/{id}/succeed|reject|cancel`: ends a PENDING refund and sends its notification.
        for ending in EmulatedRefund.Ending.allCases {
            router.post("/refunds/:id/\(ending.rawValue)") { _, context -> Response in
                do throws(EmulatorError) {
                    let delivery = try await self.endRefund(context.parameters.get("id") ?? "", as: ending)
                    return EmulatorResponse.json(200, object: ["status": ending.status.0, "notification": delivery.json])
                } catch {
                    return EmulatorResponse.control(error.http, error.body)
                }
            }
        }
        router.get("/refunds") { _, _ -> Response in
            let refunds = self.refunds
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return EmulatorResponse.json(200, Array(try encoder.encode(refunds)))
        }
    }

    /// A read's answer, or the fault it shows: an error status without reading, or garbage after reading.
    static func reading(_ fault: Fault?, _ read: () throws(EmulatorError) -> [UInt8]) -> Response {
        if case .status(let status)? = fault {
            return EmulatorResponse.json(status, EmulatorError(http: status, code: status == 429 ? 6000 : status >= 500 ? 7000 : 5000,
                                                               message: "Injected fault").body)
        }
        do throws(EmulatorError) {
            let body = try read()
            if fault == .garbage { return EmulatorResponse.garbage }
            return EmulatorResponse.json(200, body)
        } catch {
            return EmulatorResponse.json(error.http, error.body)
        }
    }

    static func headers(_ request: Request) -> [(name: String, value: String)] {
        request.headers.map { ($0.name.rawName, $0.value) }
    }
}
