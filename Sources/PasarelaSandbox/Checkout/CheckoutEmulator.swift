import Foundation
import PasarelaAdapters
import Synchronization

/// A Checkout.com-style PSP in process, faithful to PSP-PROTOCOLS.md section 2: Bearer secret key, idempotency
/// replay and 429 for a concurrent duplicate, card test tokens, LatAm cash APMs that stay Pending until a sandbox
/// control completes them, and `evt_` webhooks signed with `Cko-Signature`, delivered at least once.
///
/// Card tokens: `tok_decline_<code>` declines with that response code (20051 soft, 30004 hard, 40101 risk);
/// any other `tok_…` is approved: Authorized, then captured at once (`payment_approved`, then `payment_captured`),
/// unless captures are held (`captures.hold()`, `POST /sandbox/checkout/captures {"hold": true}`), which keeps it
/// Authorized so it can be voided (`POST /payments/{id}/voids`).
public final class CheckoutEmulator: Sendable {
    public struct Credentials: Sendable {
        public var secretKey: String
        public var webhookSecret: String
        public init(secretKey: String, webhookSecret: String) {
            self.secretKey = secretKey
            self.webhookSecret = webhookSecret
        }

        /// The values `adapters/checkout.yaml` names as `sandbox_default`.
        public static let sandbox = Credentials(secretKey: "sk_sbx_pasarelasandboxkeyaaaaaaaaaaa", webhookSecret: "whsec_pasarela_sandbox")
    }

    /// Cash APM source types and their country (2.4).
    static let cashSources: [String: String] = ["oxxo": "MX", "boleto": "BR", "pagofacil": "AR", "rapipago": "AR"]

    public let credentials: Credentials
    public let faults = FaultQueue()
    let now: @Sendable () -> Date
    let state = Mutex(State())
    let publicURL = Mutex("http://127.0.0.1")
    /// Where webhooks go: configured in Checkout's dashboard, not per request.
    let webhookURL = Mutex<String?>(nil)
    public let sender = WebhookSender()
    /// Holds API replies on request.
    public let replies = ReplyGate()
    /// Holds automatic captures on request: an approved card payment stays Authorized until released.
    public let captures = ReplyGate()
    /// Where the ledger is kept on disk, when it is.
    let journal = Mutex<LedgerJournal?>(nil)

    struct State {
        var payments: [String: CheckoutEmulatedPayment] = [:]
        var order: [String] = []
        var idempotency: [String: IdempotentReply] = [:]
        var events: [String] = []
    }

    enum IdempotentReply {
        case inFlight
        case done(status: Int, body: [UInt8])
    }

    public init(credentials: Credentials = .sandbox, now: @escaping @Sendable () -> Date = Date.init) {
        self.credentials = credentials
        self.now = now
    }

    public func setPublicURL(_ url: String) { publicURL.withLock { $0 = url } }
    /// Where webhooks go: Checkout posts to the URL configured in its dashboard (workflows), not one per request.
    public func setWebhookTarget(_ url: String?) {
        webhookURL.withLock { $0 = url }
        journal.withLock { $0?.append("target", url ?? "") }
    }
    public func applySetting(_ name: String, _ value: Bool) -> Bool { false }

    /// Payment ids in the ledger, oldest first.
    public var ledger: [String] { state.withLock { $0.order } }
    public func status(of id: String) -> String? { state.withLock { $0.payments[id]?.status } }
    /// Event ids sent so far.
    public var sentEvents: [String] { state.withLock { $0.events } }

    /// `POST /payments` with idempotency: a replay returns the first status and body, a concurrent duplicate 429.
    func create(headers: [(name: String, value: String)], body: [UInt8], delay: Int = 0) async -> (Int, [UInt8]) {
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
        guard header("Authorization") == "Bearer \(credentials.secretKey)" else {
            return (401, CheckoutEmulatorError.unauthorized.body)
        }
        let key = header("Cko-Idempotency-Key")
        if let key {
            let existing: IdempotentReply? = state.withLock { state in
                if let found = state.idempotency[key] { return found }
                state.idempotency[key] = .inFlight
                return nil
            }
            switch existing {
            case .inFlight?: return (429, CheckoutEmulatorError(http: 429, type: "too_many_requests", codes: ["duplicate_request_in_progress"]).body)
            case .done(let status, let body)?: return (status, body)
            case nil: break
            }
        }
        // A slow PSP: the key is already taken while the request is being processed.
        if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
        let result: (Int, [UInt8])
        do {
            result = try process(body)
        } catch {
            // A failed validation is not stored against the key.
            if let key { state.withLock { _ = $0.idempotency.removeValue(forKey: key) } }
            return (error.http, error.body)
        }
        if let key { remember(key, status: result.0, body: result.1) }
        return result
    }

    func process(_ body: [UInt8]) throws(CheckoutEmulatorError) -> (Int, [UInt8]) {
        let request: CheckoutEmulatorRequest
        do { request = try JSONDecoder().decode(CheckoutEmulatorRequest.self, from: Data(body)) } catch {
            throw .invalid("request_body_invalid")
        }
        guard let currency = request.currency, currency.count == 3 else { throw .invalid("currency_required") }
        guard let amount = request.amount, amount >= 0 else { throw .invalid("amount_invalid") }
        guard let source = request.source, let type = source.type else { throw .invalid("payment_source_required") }
        if let reference = request.reference, reference.count > 50 { throw .invalid("reference_invalid") }
        let base = publicURL.withLock { $0 }
        var payment = CheckoutEmulatedPayment(id: EmulatorIds.checkout("pay"), actionId: EmulatorIds.checkout("act"), amount: amount,
                                              currency: currency, reference: request.reference, sourceType: type, status: "Pending",
                                              approved: false, processedOn: EmulatorClock.checkout(now()))
        var status = 201
        var extra: [String: Any] = [:]
        switch type {
        case "token", "id":
            let token = source.token ?? source.id ?? ""
            guard token.hasPrefix("tok_") || token.hasPrefix("src_") else { throw .invalid(type == "token" ? "token_invalid" : "source_id_invalid") }
            if token.hasPrefix("tok_decline_"), let code = Int(token.dropFirst(12)), (20000..<50000).contains(code) {
                payment.status = "Declined"
                payment.responseCode = String(code)
                payment.responseSummary = code < 30000 ? "Insufficient Funds" : code < 40000 ? "Restricted Card" : "Risk Blocked"
            } else {
                payment.status = "Authorized"
                payment.approved = true
                payment.responseCode = "10000"
                payment.responseSummary = "Approved"
            }
        default:
            guard let country = Self.cashSources[type] else { throw .invalid("payment_source_type_invalid") }
            guard source.country == country else { throw .invalid("country_invalid") }
            guard let payer = source.payer else { throw .invalid("payer_required") }
            guard payer.name?.isEmpty == false else { throw .invalid("payer_name_required") }
            guard payer.email?.contains("@") == true else { throw .invalid("payer_email_required") }
            guard payer.document?.isEmpty == false else { throw .invalid("payer_document_required") }
            status = 202
            extra["_links"] = ["self": ["href": "\(base)/payments/\(payment.id)"], "redirect": ["href": "\(base)/apm/\(payment.id)"]]
        }
        let stored = payment
        state.withLock { state in
            state.payments[stored.id] = stored
            state.order.append(stored.id)
        }
        record(stored.id)
        var object = status == 202 ? ["id": payment.id, "status": "Pending", "reference": payment.reference as Any] : payment.json(base: base)
        object.merge(extra) { _, new in new }
        if payment.status == "Authorized" {
            let id = payment.id
            Task {
                // capture: true — the payment is approved, then captured, and each step is announced, in that order.
                _ = await self.announce(id, "payment_approved")
                await self.captures.pass()
                let captured: Bool = self.state.withLock { state in
                    guard state.payments[id]?.status == "Authorized" else { return false }
                    state.payments[id]?.status = "Captured"
                    return true
                }
                if captured {
                    self.record(id)
                    _ = await self.announce(id, "payment_captured")
                }
            }
        } else if payment.status == "Declined" {
            let id = payment.id
            Task { _ = await self.announce(id, "payment_declined") }
        } else {
            let id = payment.id
            Task { _ = await self.announce(id, "payment_pending") }
        }
        return (status, Self.encode(object))
    }

    /// `POST /payments/{id}/voids`: an Authorized payment becomes Voided (202 with an action id, then `payment_voided`);
    /// anything else is 403. The idempotency key replays like a payment request's.
    func void(_ id: String, headers: [(name: String, value: String)], body: [UInt8]) async -> (Int, [UInt8]) {
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
        guard header("Authorization") == "Bearer \(credentials.secretKey)" else { return (401, CheckoutEmulatorError.unauthorized.body) }
        let key = header("Cko-Idempotency-Key").map { "void:\($0)" }
        if let key, case .done(let status, let body)? = state.withLock({ $0.idempotency[key] }) { return (status, body) }
        let reference = (try? JSONSerialization.jsonObject(with: Data(body.isEmpty ? Array("{}".utf8) : body))) as? [String: Any]
        guard reference != nil else { return (422, CheckoutEmulatorError.invalid("request_body_invalid").body) }
        let actionId = EmulatorIds.checkout("act")
        let outcome: Int? = state.withLock { state in
            guard let payment = state.payments[id] else { return nil }
            guard payment.status == "Authorized" else { return 403 }
            state.payments[id]?.status = "Voided"
            return 202
        }
        guard let outcome else { return (404, CheckoutEmulatorError(http: 404, type: "not_found", codes: ["payment_not_found"]).body) }
        guard outcome == 202 else { return (403, CheckoutEmulatorError(http: 403, type: "action_not_allowed", codes: ["payment_not_voidable"]).body) }
        record(id)
        let base = publicURL.withLock { $0 }
        var answer: [String: Any] = ["action_id": actionId, "_links": ["payment": ["href": "\(base)/payments/\(id)"]]]
        if let text = reference?["reference"] as? String { answer["reference"] = text }
        let reply = Self.encode(answer)
        if let key { remember(key, status: 202, body: reply) }
        Task { _ = await self.announce(id, "payment_voided") }
        return (202, reply)
    }

    /// `GET /payments/{id}`.
    func details(_ id: String, headers: [(name: String, value: String)]) -> (Int, [UInt8]) {
        guard headers.first(where: { $0.name.lowercased() == "authorization" })?.value == "Bearer \(credentials.secretKey)" else {
            return (401, [])
        }
        guard let payment = state.withLock({ $0.payments[id] }) else { return (404, []) }
        return (200, Self.encode(payment.json(base: publicURL.withLock { $0 })))
    }

    /// Sandbox controls for Pending APM payments: `succeed` (approved, then captured), `expire`, `cancel`.
    public func complete(_ id: String, as action: String) async -> (Int, [UInt8]) {
        let transitions: [String: (String, [String])] = [
            "succeed": ("Captured", ["payment_approved", "payment_captured"]),
            "expire": ("Expired", ["payment_expired"]),
            "cancel": ("Canceled", ["payment_canceled"]),
        ]
        guard let (status, events) = transitions[action] else { return (404, []) }
        let moved: Bool? = state.withLock { state in
            guard let payment = state.payments[id] else { return nil }
            guard payment.status == "Pending" else { return false }
            state.payments[id]?.status = status
            state.payments[id]?.approved = action == "succeed"
            return true
        }
        guard let moved else { return (404, []) }
        guard moved else { return (422, CheckoutEmulatorError.invalid("payment_not_pending").body) }
        record(id)
        var deliveries: [[String: Any]] = []
        for event in events { deliveries.append(await announce(id, event).json) }
        return (200, Self.encode(["id": id, "status": status, "webhooks": deliveries]))
    }

    /// Sends one signed event about a payment to the configured webhook URL.
    func announce(_ paymentId: String, _ type: String) async -> WebhookSender.Delivery {
        guard let payment = state.withLock({ $0.payments[paymentId] }) else {
            return WebhookSender.Delivery(url: nil, status: nil, error: "no payment", tries: 0)
        }
        let eventId = EmulatorIds.checkout("evt")
        var data: [String: Any] = ["id": payment.id, "action_id": payment.actionId, "amount": payment.amount,
                                   "currency": payment.currency, "processed_on": EmulatorClock.checkout(now())]
        if let reference = payment.reference { data["reference"] = reference }
        if let code = payment.responseCode { data["response_code"] = code }
        let base = publicURL.withLock { $0 }
        let body = Self.encode(["id": eventId, "type": type, "version": "1.0.9", "created_on": EmulatorClock.checkout(now()), "data": data,
                                "_links": ["self": ["href": "\(base)/events/\(eventId)"], "payment": ["href": "\(base)/payments/\(payment.id)"]]])
        state.withLock { $0.events.append(eventId) }
        let signature = CheckoutSignature.signature(body: body, key: credentials.webhookSecret)
        return await sender.deliver(to: webhookURL.withLock { $0 }, headers: [(CheckoutSignature.header, signature)], body: body)
    }

    struct ReplyRecord: Codable {
        var key: String
        var status: Int
        var body: [UInt8]
    }

    /// Stores an idempotent reply, on disk too when the ledger is.
    func remember(_ key: String, status: Int, body: [UInt8]) {
        state.withLock { $0.idempotency[key] = .done(status: status, body: body) }
        journal.withLock { $0?.append("reply", ReplyRecord(key: key, status: status, body: body)) }
    }

    /// Writes a payment's current state to the ledger on disk, when there is one.
    func record(_ id: String) {
        guard let payment = state.withLock({ $0.payments[id] }) else { return }
        journal.withLock { $0?.append("payment", payment) }
    }

    static func encode(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }
}


extension CheckoutEmulator: PersistentLedger {
    public func persist(to path: String) throws {
        try LedgerJournal.replay(path: path) { kind, line in
            switch kind {
            case "payment":
                let payment = try LedgerJournal.value(line, as: CheckoutEmulatedPayment.self)
                state.withLock { state in
                    if state.payments[payment.id] == nil { state.order.append(payment.id) }
                    state.payments[payment.id] = payment
                }
            case "target":
                let url = try LedgerJournal.value(line, as: String.self)
                webhookURL.withLock { $0 = url.isEmpty ? nil : url }
            case "reply":
                let reply = try LedgerJournal.value(line, as: ReplyRecord.self)
                state.withLock { $0.idempotency[reply.key] = .done(status: reply.status, body: reply.body) }
            default: break
            }
        }
        let opened = try LedgerJournal(path: path)
        journal.withLock { $0 = opened }
    }
}
