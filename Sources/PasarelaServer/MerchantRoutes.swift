import Foundation
import Hummingbird
import PasarelaCore
import PasarelaGateway

/// `/v1` endpoints. Every one needs `Authorization: Bearer <key>`; a merchant sees only its own payments.
struct MerchantRoutes {
    let gateway: Gateway

    func add(to group: RouterGroup<GatewayContext>) {
        group.post("/payments") { request, context in
            let merchant = try context.merchant()
            let body = try await GatewayServer.collect(request)
            let paymentRequest = try PaymentRequest.parse(try Self.json(body), now: Date())
            let key = CommandBodies.idempotency(try idempotencyKey(request), route: nil, body: body)
            let answer = try await gateway.create(CreatePaymentCommand(request: paymentRequest, merchant: merchant, idempotency: key))
            return ServerResponse.reply(HTTPMapping.answer(answer) { HTTPMapping.payment($0, .created) })
        }
        group.post("/routing/explain") { request, context in
            let merchant = try context.merchant()
            let body = try await GatewayServer.collect(request)
            let json = try Self.json(body)
            return ServerResponse.reply(HTTPMapping.plan(gateway.planner.explain(try PaymentRequest.parseForRouting(json), merchant: merchant)))
        }
        group.get("/connections") { request, context in
            _ = try context.merchant()
            return ServerResponse.reply(HTTPMapping.connections(try await gateway.connections.rows()))
        }
        group.get("/payments/:id/events") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(HTTPMapping.events(try await gateway.reads.events(merchant: merchant, paymentId: context.parameters.get("id"),
                                                                                          since: nil, limit: 100)))
        }
        group.get("/events") { request, context in
            let merchant = try context.merchant()
            let query = request.uri.queryParameters
            if let unknown = query.map({ String($0.key) }).first(where: { !["since", "limit"].contains($0) }) {
                throw APIError.invalid(unknown, "Unknown query parameter '\(unknown.prefix(40))'.", code: "parameter_unknown")
            }
            let limit = try Self.limit(query["limit"].map(String.init))
            return ServerResponse.reply(HTTPMapping.events(try await gateway.reads.events(merchant: merchant, paymentId: nil,
                                                                                          since: query["since"].map(String.init), limit: limit)))
        }
        group.get("/events/:id") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(HTTPMapping.event(try await gateway.reads.event(id: context.parameters.get("id") ?? "", merchant: merchant)))
        }
        group.post("/events/:id/redeliver") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(HTTPMapping.event(try await gateway.reads.redeliver(id: context.parameters.get("id") ?? "", merchant: merchant)))
        }
        group.post("/payments/:id/cancel") { request, context in
            let merchant = try context.merchant()
            let id = context.parameters.get("id") ?? ""
            let body = try await GatewayServer.collect(request)
            let key = CommandBodies.idempotency(try idempotencyKey(request), route: "POST /v1/payments/\(id)/cancel", body: body)
            try await parsed(body, payment: id, merchant: merchant, CommandBodies.checkCancel)
            let answer = try await gateway.cancel(CancelPaymentCommand(paymentId: id, merchant: merchant, idempotency: key))
            return ServerResponse.reply(HTTPMapping.answer(answer) { HTTPMapping.payment($0.stored, $0.confirmed ? .done : .accepted) })
        }
        group.post("/payments/:id/capture") { request, context in
            let merchant = try context.merchant()
            let id = context.parameters.get("id") ?? ""
            let body = try await GatewayServer.collect(request)
            let key = CommandBodies.idempotency(try idempotencyKey(request), route: "POST /v1/payments/\(id)/capture", body: body)
            let amount = try await parsed(body, payment: id, merchant: merchant, CommandBodies.captureAmount)
            let answer = try await gateway.capture(CapturePaymentCommand(paymentId: id, merchant: merchant, amount: amount, idempotency: key))
            return ServerResponse.reply(HTTPMapping.answer(answer) { HTTPMapping.payment($0, .done) })
        }
        group.post("/payments/:id/refunds") { request, context in
            let merchant = try context.merchant()
            let id = context.parameters.get("id") ?? ""
            let body = try await GatewayServer.collect(request)
            let key = CommandBodies.idempotency(try idempotencyKey(request), route: "POST /v1/payments/\(id)/refunds", body: body)
            let refund = try await parsed(body, payment: id, merchant: merchant, CommandBodies.refund)
            let answer = try await gateway.refund(RefundPaymentCommand(paymentId: id, merchant: merchant, amount: refund.amount, reason: refund.reason,
                                                                       bankAccount: refund.bankAccount, idempotency: key))
            return ServerResponse.reply(HTTPMapping.answer(answer, HTTPMapping.refund))
        }
        group.get("/payments/:id/refunds") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(HTTPMapping.refunds(try await gateway.reads.refunds(paymentId: context.parameters.get("id") ?? "", merchant: merchant)))
        }
        group.get("/refunds/:id") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(HTTPMapping.refundRead(try await gateway.reads.refund(id: context.parameters.get("id") ?? "", merchant: merchant)))
        }
        group.get("/payments/:id/attempts/:attempt_id") { request, context in
            let merchant = try context.merchant()
            let id = context.parameters.get("id") ?? ""
            let (attempt, calls) = try await gateway.reads.attempt(paymentId: id, attemptId: context.parameters.get("attempt_id") ?? "", merchant: merchant)
            return ServerResponse.reply(HTTPMapping.attempt(attempt, of: id, calls: calls))
        }
        group.get("/payments/:id") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(HTTPMapping.payment(try await gateway.reads.payment(id: context.parameters.get("id") ?? "", merchant: merchant), .done))
        }
        group.get("/payments") { request, context in
            let merchant = try context.merchant()
            let query = request.uri.queryParameters
            let allowed: Set<String> = ["order_id", "limit", "status", "starting_after"]
            if let unknown = query.map({ String($0.key) }).first(where: { !allowed.contains($0) }) {
                throw APIError.invalid(unknown, "Unknown query parameter '\(unknown.prefix(40))'.", code: "parameter_unknown")
            }
            let limit = try Self.limit(query["limit"].map(String.init))
            let orderId = query["order_id"].map(String.init)
            if let orderId, orderId.isEmpty || orderId.unicodeScalars.count > 64 {
                throw APIError.invalid("order_id", "order_id must be 1 to 64 characters.")
            }
            var status: PaymentStatus?
            if let text = query["status"] {
                guard let parsed = PaymentStatus(rawValue: String(text)) else {
                    throw APIError.invalid("status", "status must be one of \(PaymentStatus.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                status = parsed
            }
            return ServerResponse.reply(HTTPMapping.payments(try await gateway.reads.payments(orderId: orderId, status: status,
                                                                                              startingAfter: query["starting_after"].map(String.init),
                                                                                              limit: limit, merchant: merchant)))
        }
    }

    /// A command's body, parsed; a payment that is not the merchant's is answered 404 before what is wrong with the body.
    func parsed<Value>(_ body: [UInt8], payment id: String, merchant: Merchant, _ parse: ([UInt8]) throws -> Value) async throws -> Value {
        do {
            return try parse(body)
        } catch {
            _ = try await gateway.reads.payment(id: id, merchant: merchant)
            throw error
        }
    }

    /// The body as JSON, or 400 saying where it stops being JSON.
    static func json(_ body: [UInt8]) throws -> JSONValue {
        do {
            return try JSONValue.parse(body, bigIntegers: .keepAsText)
        } catch {
            throw APIError.malformed("The request body is not valid JSON (byte \(error.offset): \(error.message)).")
        }
    }

    /// `limit`: 1 to 100, default 20.
    static func limit(_ text: String?) throws -> Int {
        guard let text else { return 20 }
        guard let value = Int(text), (1...100).contains(value) else { throw APIError.invalid("limit", "limit must be an integer from 1 to 100.") }
        return value
    }

    func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value else { return nil }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw APIError.invalid("Idempotency-Key", "Idempotency-Key must be 1 to 255 visible ASCII characters.")
        }
        return key
    }
}
