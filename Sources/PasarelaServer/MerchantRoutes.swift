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
            let json = try Self.json(body)
            let paymentRequest = try PaymentRequest.parse(json, now: Date())
            let key = try idempotencyKey(request)
            return ServerResponse.reply(try await gateway.createPayment(paymentRequest, merchant: merchant, rawBody: body,
                                                                        idempotencyKey: key))
        }
        group.post("/routing/explain") { request, context in
            let merchant = try context.merchant()
            let body = try await GatewayServer.collect(request)
            let json = try Self.json(body)
            return ServerResponse.reply(gateway.explain(try PaymentRequest.parseForRouting(json), merchant: merchant))
        }
        group.get("/connections") { request, context in
            _ = try context.merchant()
            return ServerResponse.reply(try await gateway.connections())
        }
        group.get("/payments/:id/events") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(try await gateway.events(merchant: merchant, paymentId: context.parameters.get("id"), since: nil,
                                                                 limit: 100))
        }
        group.get("/events") { request, context in
            let merchant = try context.merchant()
            let query = request.uri.queryParameters
            if let unknown = query.map({ String($0.key) }).first(where: { !["since", "limit"].contains($0) }) {
                throw APIError.invalid(unknown, "Unknown query parameter '\(unknown.prefix(40))'.", code: "parameter_unknown")
            }
            let limit = try Self.limit(query["limit"].map(String.init))
            return ServerResponse.reply(try await gateway.events(merchant: merchant, paymentId: nil, since: query["since"].map(String.init),
                                                                 limit: limit))
        }
        group.get("/events/:id") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(try await gateway.event(id: context.parameters.get("id") ?? "", merchant: merchant))
        }
        group.post("/events/:id/redeliver") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(try await gateway.redeliver(id: context.parameters.get("id") ?? "", merchant: merchant))
        }
        group.post("/payments/:id/cancel") { request, context in
            let merchant = try context.merchant()
            let body = try await GatewayServer.collect(request)
            let key = try idempotencyKey(request)
            return ServerResponse.reply(try await gateway.cancelPayment(id: context.parameters.get("id") ?? "", merchant: merchant,
                                                                        rawBody: body, idempotencyKey: key))
        }
        group.post("/payments/:id/capture") { request, context in
            let merchant = try context.merchant()
            let body = try await GatewayServer.collect(request)
            let key = try idempotencyKey(request)
            return ServerResponse.reply(try await gateway.capturePayment(id: context.parameters.get("id") ?? "", merchant: merchant,
                                                                         rawBody: body, idempotencyKey: key))
        }
        group.post("/payments/:id/refunds") { request, context in
            let merchant = try context.merchant()
            let body = try await GatewayServer.collect(request)
            let key = try idempotencyKey(request)
            return ServerResponse.reply(try await gateway.createRefund(paymentId: context.parameters.get("id") ?? "", merchant: merchant,
                                                                       rawBody: body, idempotencyKey: key))
        }
        group.get("/payments/:id/refunds") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(try await gateway.refunds(paymentId: context.parameters.get("id") ?? "", merchant: merchant))
        }
        group.get("/refunds/:id") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(try await gateway.refund(id: context.parameters.get("id") ?? "", merchant: merchant))
        }
        group.get("/payments/:id/attempts/:attempt_id") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(try await gateway.attempt(paymentId: context.parameters.get("id") ?? "",
                                                                  attemptId: context.parameters.get("attempt_id") ?? "", merchant: merchant))
        }
        group.get("/payments/:id") { request, context in
            let merchant = try context.merchant()
            return ServerResponse.reply(try await gateway.payment(id: context.parameters.get("id") ?? "", merchant: merchant))
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
            return ServerResponse.reply(try await gateway.payments(orderId: orderId, status: status,
                                                                   startingAfter: query["starting_after"].map(String.init),
                                                                   limit: limit, merchant: merchant))
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
