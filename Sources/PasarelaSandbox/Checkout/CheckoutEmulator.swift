import Foundation
import PasarelaAdapters
import Synchronization

/// A Checkout.com-style PSP in process, faithful to PSP-PROTOCOLS.md section 2: Bearer secret key, idempotency
/// replay and 429 for a concurrent duplicate, card test tokens, LatAm cash APMs that stay Pending until a sandbox
/// control completes them, and `evt_` webhooks signed with `Cko-Signature`, delivered at least once.
///
/// Card sources: `token`/`id` (`tok_…`, `src_…`) and a full `card` (Luhn-valid number, expiry not passed).
/// `tok_decline_<code>` declines with that response code (20051 soft, 30004 hard, 40101 risk), and so does any card
/// for an amount ending in 05 (20005 Do Not Honour, as in Checkout's sandbox). Other cards are approved: Authorized,
/// then captured at once (`payment_approved`, then `payment_captured`) unless the request says `capture: false` or
/// captures are held (`POST /sandbox/checkout/captures {"hold": true}`). An Authorized payment takes captures and voids,
/// a captured one refunds (`POST /payments/{id}/captures|voids|refunds`, 202 with an action id, then the webhook), and
/// `GET /payments/{id}/actions` lists what was done. Settings `decline_refunds` and `decline_captures` make the next
/// refunds or captures fail (`payment_refund_declined`, `payment_capture_declined`).
public final class CheckoutEmulator: Sendable {
    public struct Credentials: Sendable {
        public var secretKey: String
        public var webhookSecret: String
        public init(secretKey: String, webhookSecret: String) {
            self.secretKey = secretKey
            self.webhookSecret = webhookSecret
        }

        /// The values `adapters/checkout.yaml` names as `sandbox_default`: the key has the shape Checkout's SDKs demand
        /// of a sandbox secret key, `sk_sbox_` and 27 base-32 characters.
        public static let sandbox = Credentials(secretKey: "sk_sbox_pasarelasandboxkey23456abcd", webhookSecret: "whsec_pasarela_sandbox")
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
    /// Behaviours switched by `POST settings`.
    let settings = Mutex(Settings())

    /// The request being answered, for `Cko-Request-Id` and the `request_id` of error bodies.
    @TaskLocal static var requestId: String?

    struct Settings {
        var declineRefunds = false
        var declineCaptures = false
        var declineVoids = false
    }

    struct State {
        var payments = SpillingLedger<String, CheckoutEmulatedPayment>()
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
    public var settingNames: Set<String> { ["decline_refunds", "decline_captures", "decline_voids"] }

    public func applySetting(_ name: String, _ value: Bool) -> Bool {
        switch name {
        case "decline_refunds": settings.withLock { $0.declineRefunds = value }
        case "decline_captures": settings.withLock { $0.declineCaptures = value }
        case "decline_voids": settings.withLock { $0.declineVoids = value }
        default: return false
        }
        return true
    }

    /// Payment ids in the ledger, oldest first.
    public var ledger: [String] { state.withLock { $0.payments.keys } }
    public func status(of id: String) -> String? { state.withLock { $0.payments[id]?.status } }
    /// Event ids sent so far.
    public var sentEvents: [String] { state.withLock { $0.events } }

    /// `POST /payments` with idempotency: a replay returns the first status and body, a concurrent duplicate 429.
    func create(headers: [(name: String, value: String)], body: [UInt8], delay: Int = 0, held: Bool = false) async -> (Int, [UInt8]) {
        guard authorized(headers) else { return (401, CheckoutEmulatorError.unauthorized.body) }
        let key = Self.header("Cko-Idempotency-Key", in: headers)
        if let key, let earlier = claim(key) { return earlier }
        // A slow PSP: the key is already taken while the request is being processed.
        if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
        if held { await faults.waitUntilReleased() }
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
        case "token", "id", "card":
            let card = try Self.card(source, type: type, now: now())
            payment.last4 = card.last4
            payment.autoCapture = request.capture ?? true
            if let code = card.declineCode ?? (amount % 100 == 5 ? 20005 : nil) {
                payment.status = "Declined"
                payment.responseCode = String(code)
                payment.responseSummary = code == 20005 ? "Declined - Do Not Honour"
                    : code < 30000 ? "Insufficient Funds" : code < 40000 ? "Restricted Card" : "Risk Blocked"
            } else {
                payment.status = "Authorized"
                payment.approved = true
                payment.responseCode = "10000"
                payment.responseSummary = "Approved"
            }
            payment.actions = [CheckoutEmulatedAction(id: payment.actionId, type: "Authorization", amount: amount, approved: payment.approved,
                                                      reference: request.reference, responseCode: payment.responseCode ?? "",
                                                      responseSummary: payment.responseSummary ?? "", processedOn: payment.processedOn)]
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
        }
        record(stored.id)
        var object = status == 202 ? ["id": payment.id, "status": "Pending", "reference": payment.reference as Any] : payment.json(base: base)
        object.merge(extra) { _, new in new }
        if payment.status == "Authorized" {
            let id = payment.id
            let autoCapture = payment.autoCapture
            Task {
                // capture: true — the payment is approved, then captured, and each step is announced, in that order.
                _ = await self.announce(id, "payment_approved")
                guard autoCapture else { return }
                await self.captures.pass()
                let capture: CheckoutEmulatedAction? = self.state.withLock { state in
                    guard var payment = state.payments[id], payment.status == "Authorized" else { return nil }
                    let action = CheckoutEmulatedAction(id: EmulatorIds.checkout("act"), type: "Capture", amount: payment.amount, approved: true,
                                                        reference: payment.reference, responseCode: "10000", responseSummary: "Approved",
                                                        processedOn: EmulatorClock.checkout(self.now()))
                    payment.captured = payment.amount
                    payment.actions.append(action)
                    payment.settleStatus()
                    state.payments[id] = payment
                    return action
                }
                if let capture {
                    self.record(id)
                    _ = await self.announce(id, "payment_captured", action: capture)
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

    /// `GET /payments/{id}`.
    func details(_ id: String, headers: [(name: String, value: String)]) -> (Int, [UInt8]) {
        guard authorized(headers) else { return (401, CheckoutEmulatorError.unauthorized.body) }
        guard let payment = state.withLock({ $0.payments[id] }) else { return (404, CheckoutEmulatorError.notFound("payment_not_found").body) }
        return (200, Self.encode(payment.json(base: publicURL.withLock { $0 })))
    }

    /// Sandbox controls for Pending APM payments: `succeed` (approved, then captured), `expire`, `cancel`.
    public func complete(_ id: String, as action: String) async -> (Int, [UInt8]) {
        let transitions: [String: (String, [String])] = [
            "succeed": ("Captured", ["payment_approved", "payment_captured"]),
            "expire": ("Expired", ["payment_expired"]),
            "cancel": ("Canceled", ["payment_canceled"]),
        ]
        guard let (status, events) = transitions[action] else { return (404, CheckoutEmulatorError.notFound("action_not_found").body) }
        let moved: Bool? = state.withLock { state in
            guard var payment = state.payments[id] else { return nil }
            guard payment.status == "Pending" else { return false }
            payment.status = status
            payment.approved = action == "succeed"
            if action == "succeed" {
                payment.captured = payment.amount
                payment.actions.append(CheckoutEmulatedAction(id: payment.actionId, type: "Capture", amount: payment.amount, approved: true,
                                                              reference: payment.reference, responseCode: "10000", responseSummary: "Approved",
                                                              processedOn: EmulatorClock.checkout(now())))
            }
            state.payments[id] = payment
            return true
        }
        guard let moved else { return (404, CheckoutEmulatorError.notFound("payment_not_found").body) }
        guard moved else { return (422, CheckoutEmulatorError.invalid("payment_not_pending").body) }
        record(id)
        var deliveries: [[String: Any]] = []
        for event in events { deliveries.append(await announce(id, event).json) }
        return (200, Self.encode(["id": id, "status": status, "webhooks": deliveries]))
    }

    /// Sends one signed event about a payment to the configured webhook URL; an event about an action (capture, void,
    /// refund) carries that action's id, amount, reference and response.
    func announce(_ paymentId: String, _ type: String, action: CheckoutEmulatedAction? = nil) async -> WebhookSender.Delivery {
        guard let payment = state.withLock({ $0.payments[paymentId] }) else {
            return WebhookSender.Delivery(url: nil, status: nil, error: "no payment", tries: 0)
        }
        let eventId = EmulatorIds.checkout("evt")
        var data: [String: Any] = ["id": payment.id, "action_id": action?.id ?? payment.actionId, "amount": action?.amount ?? payment.amount,
                                   "currency": payment.currency, "processed_on": EmulatorClock.checkout(now())]
        if let reference = action?.reference ?? payment.reference { data["reference"] = reference }
        if let code = action?.responseCode ?? payment.responseCode { data["response_code"] = code }
        if let summary = action?.responseSummary, action?.approved == false { data["response_summary"] = summary }
        if action?.type == "Refund" {
            data["balances"] = ["total_authorized": payment.amount, "total_captured": payment.captured, "total_refunded": payment.refunded,
                                "available_to_refund": payment.captured - payment.refunded]
        }
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

    /// Takes an idempotency key for a request now being processed: `nil`, or the answer a replay or a concurrent
    /// duplicate (429) gets instead.
    func claim(_ key: String) -> (Int, [UInt8])? {
        let existing: IdempotentReply? = state.withLock { state in
            if let found = state.idempotency[key] { return found }
            state.idempotency[key] = .inFlight
            return nil
        }
        switch existing {
        case .inFlight?: return (429, CheckoutEmulatorError(http: 429, type: "too_many_requests", codes: ["duplicate_request_in_progress"]).body)
        case .done(let status, let body)?: return (status, body)
        case nil: return nil
        }
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

    /// Whether the request carries the account's secret key as a Bearer token.
    func authorized(_ headers: [(name: String, value: String)]) -> Bool {
        Self.header("Authorization", in: headers) == "Bearer \(credentials.secretKey)"
    }

    static func header(_ name: String, in headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
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
