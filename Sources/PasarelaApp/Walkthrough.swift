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

    /// Runs every scenario, reporting each step through `say`: a payment through each connection.
    public func run(say: @Sendable (String) -> Void) async throws {
        say("== PagoEfectivo cash voucher through dLocal (rule peru-cash, first target)")
        try await scenario(body: Self.body(country: "PE", currency: "PEN", value: 15000, method: #"{"type":"cash"}"#),
                           expect: "dlocal", say: say)
        say("")
        say("== dLocal is down (the sandbox answers 503 once): the same rule fails over to PagoEfectivo's own CIP API")
        let fault = try await call("POST", "/sandbox/dlocal/faults", body: #"{"status":503,"times":1}"#, idempotencyKey: nil)
        guard fault.status == 200 else { throw Failure(description: "could not inject the fault: \(fault.text)") }
        try await scenario(body: Self.body(country: "PE", currency: "PEN", value: 8990, method: #"{"type":"cash"}"#),
                           expect: "pagoefectivo", say: say)
        say("")
        say("== OXXO cash in Mexico through Checkout (rule latam-cash)")
        try await scenario(body: Self.body(country: "MX", currency: "MXN", value: 25050, method: #"{"type":"cash"}"#),
                           expect: "checkout", say: say)
        say("")
        say("== A card in Peru through Checkout (rule cards): authorized, then captured by signed webhooks")
        try await scenario(body: Self.body(country: "PE", currency: "PEN", value: 9990, method: #"{"type":"card","token":"tok_4gzeau5o2uqubbk6fufs3m7p54"}"#),
                           expect: "checkout", say: say)
    }

    static func body(country: String, currency: String, value: Int, method: String) -> String {
        let order = "demo-\(UUID().uuidString.prefix(8).lowercased())"
        let document = country == "MX" ? #"{"type":"CURP","number":"GOPP800101HDFXXX09"}"# : #"{"type":"DNI","number":"27662162"}"#
        return """
            {"amount":{"value":\(value),"currency":"\(currency)"},"country":"\(country)","payment_method":\(method),
             "order_id":"\(order)","description":"Pedido \(order)",
             "customer":{"name":"Pedro Gomez","email":"pedro@example.com","document":\(document)}}
            """
    }

    /// Create → show what the payer must do → act as the payer in the sandbox → read the final status.
    func scenario(body: String, expect connection: String, say: @Sendable (String) -> Void) async throws {
        let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
        let amount = json["amount"] as? [String: Any] ?? [:]
        say("1. POST /v1/payments  (\(amount["value"] ?? "?") minor units of \(amount["currency"] ?? "?"), order \(json["order_id"] ?? "?"))")
        let created = try await call("POST", "/v1/payments", body: body, idempotencyKey: json["order_id"] as? String)
        guard created.status == 201, let id = created.json["id"] as? String else {
            throw Failure(description: "create answered \(created.status): \(created.text)")
        }
        let used = created.json["connection"] as? String ?? "?"
        let pspId = created.json["psp_payment_id"] as? String ?? "?"
        let attempts = (created.json["attempts"] as? [[String: Any]] ?? []).map { "\($0["connection"] ?? "?"):\($0["outcome"] ?? "?")" }
        say("   → \(id) status=\(created.json["status"] ?? "?") via \(used) (PSP id \(pspId)); attempts \(attempts.joined(separator: ", "))")
        guard used == connection else { throw Failure(description: "expected \(connection), got \(used)") }
        var control: String?
        if let action = created.json["next_action"] as? [String: Any] {
            if action["type"] as? String == "display_voucher" {
                say("2. Voucher: code \(action["code"] ?? "?"), pay before \(action["expires_at"] ?? "?") (Lima time)")
                if let url = action["voucher_url"] as? String { say("   voucher page: \(url)") }
            } else {
                say("2. Redirect the payer to \(action["url"] ?? "?")")
            }
            control = switch used {
            case "pagoefectivo": "/sandbox/pagoefectivo/cips/\(pspId)/pay"
            case "checkout": "/sandbox/checkout/payments/\(pspId)/succeed"
            default: "/sandbox/\(used)/payments/\(pspId)/pay"
            }
        } else {
            say("2. Nothing for the payer to do; the PSP finishes on its own")
        }
        if let control {
            say("3. POST \(control)  (the payer pays)")
            let paid = try await call("POST", control, body: nil, idempotencyKey: nil)
            guard paid.status == 200 else { throw Failure(description: "the sandbox control answered \(paid.status): \(paid.text)") }
            say("   → the PSP sent its signed notification to /webhooks/\(used)")
        }
        var status = "?"
        for _ in 0..<50 {
            status = try await call("GET", "/v1/payments/\(id)", body: nil, idempotencyKey: nil).json["status"] as? String ?? "?"
            if status == "succeeded" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        say("4. GET /v1/payments/\(id)  → status=\(status)")
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
