import AsyncHTTPClient
import Foundation
import NIOCore

/// The PagoEfectivo walkthrough over real HTTP: create → voucher → pay in the sandbox → succeeded.
/// `pasarela demo` prints it; it only uses the public API and the sandbox controls.
public struct Walkthrough: Sendable {
    public let baseURL: String
    public let apiKey: String
    let client: HTTPClient

    public init(baseURL: String, apiKey: String, client: HTTPClient = .shared) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.client = client
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs every step, reporting each through `say`.
    public func run(say: @Sendable (String) -> Void) async throws {
        let order = "demo-\(Int(Date().timeIntervalSince1970))"
        let body = """
            {"amount":{"value":15000,"currency":"PEN"},"country":"PE","payment_method":{"type":"cash"},
             "order_id":"\(order)","description":"Pedido \(order)",
             "customer":{"name":"Pedro Gomez","email":"pedro@example.com","document":{"type":"DNI","number":"27662162"}}}
            """
        say("1. POST /v1/payments  (150.00 PEN, PagoEfectivo cash, order \(order))")
        let created = try await call("POST", "/v1/payments", body: body, idempotencyKey: order)
        guard created.status == 201, let id = created.json["id"] as? String else {
            throw Failure(description: "create answered \(created.status): \(created.text)")
        }
        let connection = created.json["connection"] as? String ?? "?"
        let pspId = created.json["psp_payment_id"] as? String ?? "?"
        say("   → \(id) status=\(created.json["status"] ?? "?") via \(connection) (PSP id \(pspId))")
        guard let action = created.json["next_action"] as? [String: Any], let cip = action["code"] as? String else {
            throw Failure(description: "no voucher in the reply: \(created.text)")
        }
        say("2. Voucher: CIP \(cip), pay before \(action["expires_at"] ?? "?") (Lima time)")
        if let url = action["voucher_url"] as? String { say("   voucher page: \(url)") }

        say("3. POST /sandbox/\(connection)/payments/\(pspId)/pay  (the customer pays at an agent)")
        let paid = try await call("POST", "/sandbox/\(connection)/payments/\(pspId)/pay", body: nil, idempotencyKey: nil)
        guard paid.status == 200 else { throw Failure(description: "pay answered \(paid.status): \(paid.text)") }
        let notification = paid.json["notification"] as? [String: Any]
        say("   → PSP status \(paid.json["status"] ?? "?"); signed notification delivered with HTTP \(notification?["status"] ?? "none")")

        say("4. GET /v1/payments/\(id)")
        let fetched = try await call("GET", "/v1/payments/\(id)", body: nil, idempotencyKey: nil)
        let status = fetched.json["status"] as? String ?? "?"
        say("   → status=\(status)")
        guard status == "succeeded" else { throw Failure(description: "expected succeeded, got \(status)") }
    }

    public struct Reply: @unchecked Sendable {
        public var status: Int
        public var text: String
        public var json: [String: Any]
    }

    /// One authenticated call to the gateway.
    public func call(_ method: String, _ path: String, body: String?, idempotencyKey: String?) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let text = String(buffer: bytes)
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return Reply(status: Int(response.status.code), text: text, json: json)
    }
}
