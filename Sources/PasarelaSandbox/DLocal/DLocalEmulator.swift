import Foundation
import PasarelaAdapters
import Synchronization

/// A dLocal-style PSP in process, faithful to PSP-PROTOCOLS.md section 1: it checks the request signature,
/// refuses what dLocal refuses with dLocal's codes, issues PagoEfectivo tickets with 8-digit CIPs, keeps a
/// ledger, and on a sandbox control marks a payment PAID, EXPIRED or CANCELLED and sends the signed notification.
/// Cards with `capture: false` stay AUTHORIZED until captured (`POST /payments` with `authorization_id`) or cancelled;
/// refunds (`POST /refunds`) start PENDING and end by a notification to their own `notification_url`.
public final class DLocalEmulator: Sendable {
    /// The merchant credentials the emulator accepts.
    public struct Credentials: Sendable {
        public var login: String
        public var transKey: String
        public var secretKey: String
        public init(login: String, transKey: String, secretKey: String) {
            self.login = login
            self.transKey = transKey
            self.secretKey = secretKey
        }

        /// The values `adapters/dlocal.yaml` names as `sandbox_default`.
        public static let sandbox = Credentials(login: "sbx_login_pasarela", transKey: "sbx_trans_key_pasarela",
                                                secretKey: "sbx_secret_key_pasarela")
    }

    /// Countries, their currencies and methods, as the emulator accepts them (1.5, 1.11).
    static let countries: [String: (currencies: Set<String>, methods: [String: String])] = [
        "PE": (["PEN", "USD"], ["EF": "TICKET", "CY": "TICKET", "BC": "BANK_TRANSFER", "IB": "BANK_TRANSFER",
                               "BP": "BANK_TRANSFER", "IO": "BANK_TRANSFER", "CARD": "CARD"]),
        "MX": (["MXN"], ["OX": "TICKET", "CARD": "CARD"]),
        "BR": (["BRL"], ["BL": "TICKET", "CARD": "CARD"]),
        "AR": (["ARS"], ["RP": "TICKET", "CARD": "CARD"]),
        "CO": (["COP"], ["CARD": "CARD"]),
        "CL": (["CLP"], ["CARD": "CARD"]),
    ]
    static let decimals: [String: Int] = ["PEN": 2, "USD": 2, "MXN": 2, "BRL": 2, "ARS": 2, "COP": 2, "CLP": 0]

    public let credentials: Credentials
    let ticketLifetime: TimeInterval
    let now: @Sendable () -> Date
    let state = Mutex(State())
    /// Faults to show on the next API calls.
    public let faults = FaultQueue()
    /// Sends the notifications, misbehaving on request.
    public let sender = WebhookSender()
    /// Holds API replies on request.
    public let replies = ReplyGate()
    /// Whether a repeated `X-Idempotency-Key` gets the first answer again instead of 5009 for its duplicated order id.
    /// dLocal's 2019 docs describe the header; today's do not (PSP-PROTOCOLS.md 1.2), so it is off unless set
    /// (`POST /sandbox/dlocal/settings {"honour_idempotency_key": true}`).
    let honoursIdempotencyKey = Mutex(false)
    /// Whether card refunds wait for a sandbox control too (`POST /sandbox/dlocal/settings {"hold_refunds": true}`);
    /// cash refunds without the payer's bank account always do, as dLocal then asks the payer by e-mail.
    let holdsRefunds = Mutex(false)
    /// Whether every API call is refused 403 3002, as dLocal refuses a caller whose IP is not registered with it
    /// (`{"unregistered_ip": true}`).
    let refusesCaller = Mutex(false)
    /// Where the ledger is kept on disk, when it is.
    let journal = Mutex<LedgerJournal?>(nil)
    /// Where the emulator is reachable, for the voucher URLs it hands out.
    let publicURL = Mutex("http://127.0.0.1")

    struct State {
        var payments = SpillingLedger<String, EmulatedPayment>()
        /// `order_id` → the payment made under it (a capture's order names the payment it captured).
        var orders: [String: String] = [:]
        /// `X-Idempotency-Key` → the payment it created.
        var idempotencyKeys: [String: String] = [:]
        var refunds: [String: EmulatedRefund] = [:]
        var refundOrder: [String] = []
    }

    public init(credentials: Credentials = .sandbox, ticketLifetime: TimeInterval = 24 * 3600,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.credentials = credentials
        self.ticketLifetime = ticketLifetime
        self.now = now
    }

    /// Sets the base URL voucher links point at, once the server's port is known.
    public func setPublicURL(_ url: String) { publicURL.withLock { $0 = url } }

    /// dLocal posts to the `notification_url` of each payment; there is nothing to register.
    public func setWebhookTarget(_ url: String?) {}

    public var settingNames: Set<String> { ["honour_idempotency_key", "hold_refunds", "unregistered_ip"] }

    public func applySetting(_ name: String, _ value: Bool) -> Bool {
        switch name {
        case "honour_idempotency_key": honoursIdempotencyKey.withLock { $0 = value }
        case "hold_refunds": holdsRefunds.withLock { $0 = value }
        case "unregistered_ip": refusesCaller.withLock { $0 = value }
        default: return false
        }
        return true
    }

    /// Every payment in the ledger, oldest first.
    public var ledger: [String] { state.withLock { $0.payments.keys } }

    /// The status of a payment in the ledger (`PENDING`, `PAID`...).
    public func status(of id: String) -> String? { state.withLock { $0.payments[id]?.status } }

    /// Checks dLocal's headers and signature (1.2, 1.3).
    func authenticate(headers: [(name: String, value: String)], body: [UInt8]) throws(EmulatorError) {
        if refusesCaller.withLock({ $0 }) { throw EmulatorError(http: 403, code: 3002, message: "Unregistered IP address") }
        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
        guard let date = header("X-Date"), let login = header("X-Login"), let transKey = header("X-Trans-Key"),
              let authorization = header("Authorization") else { throw .invalidCredentials }
        guard login == credentials.login, transKey == credentials.transKey,
              DLocalSignature.verify(authorization: authorization, login: login, date: date, body: body,
                                     secretKey: credentials.secretKey) else { throw .invalidCredentials }
        guard header("X-Version") == "2.1" else { throw EmulatorError(http: 400, code: 5017, message: "Invalid API version") }
    }

    /// `POST /payments`.
    func create(headers: [(name: String, value: String)], body: [UInt8]) throws(EmulatorError) -> EmulatedPayment {
        try authenticate(headers: headers, body: body)
        let key = headers.first { $0.name.lowercased() == "x-idempotency-key" }?.value
        if let key, honoursIdempotencyKey.withLock({ $0 }),
           let earlier = state.withLock({ state in state.idempotencyKeys[key].flatMap { state.payments[$0] } }) {
            return earlier
        }
        let request = try Self.decode(EmulatorCreateRequest.self, body)
        if let authorization = request.authorizationId { return try capture(authorization, request, key: key) }
        guard let amount = request.amount, amount > 0 else { throw .missing("amount") }
        guard let currency = request.currency else { throw .missing("currency") }
        guard let country = request.country else { throw .missing("country") }
        guard let methodId = request.paymentMethodId else { throw .missing("payment_method_id") }
        guard let flow = request.paymentMethodFlow, flow == "DIRECT" || flow == "REDIRECT" else { throw .missing("payment_method_flow") }
        guard let payer = request.payer else { throw .missing("payer") }
        guard let name = payer.name, !name.isEmpty else { throw .missing("payer.name") }
        guard let email = payer.email, email.contains("@") else { throw .missing("payer.email") }
        guard let document = payer.document, !document.isEmpty else { throw .missing("payer.document") }
        guard let orderId = request.orderId, !orderId.isEmpty else { throw .missing("order_id") }
        guard let market = Self.countries[country] else { throw EmulatorError(http: 400, code: 5003, message: "Country not supported") }
        guard market.currencies.contains(currency) else {
            throw EmulatorError(http: 400, code: 5004, message: "Currency not allowed for country")
        }
        guard let methodType = market.methods[methodId] else {
            throw EmulatorError(http: 400, code: 5010, message: "Payment method not available")
        }
        if !Self.fits(amount, decimals: Self.decimals[currency] ?? 2) { throw .missing("amount") }
        if country == "PE", !(document.allSatisfy(\.isNumber) && [8, 9, 11].contains(document.count)) {
            throw .missing("payer.document")
        }
        if country == "PE", let type = payer.documentType, !["DNI", "RUC"].contains(type) { throw .missing("payer.document_type") }
        if methodType == "CARD", request.card?.token == nil, request.card?.cardId == nil { throw .missing("card") }

        let created = now()
        var payment = EmulatedPayment(
            id: "D-4-" + UUID().uuidString.lowercased(), amount: amount, currency: currency, country: country,
            paymentMethodId: methodId, paymentMethodType: methodType, paymentMethodFlow: flow,
            payer: EmulatedPayer(name: name, email: email, document: document, documentType: payer.documentType), orderId: orderId,
            description: request.description, notificationUrl: request.notificationUrl,
            createdDate: EmulatorClock.format(created), status: "PENDING", statusCode: "100",
            statusDetail: "The payment is pending.")
        let base = publicURL.withLock { $0 }
        switch methodType {
        case "TICKET":
            let cip = String(format: "%08d", Int.random(in: 10_000_000...99_999_999))
            payment.ticket = EmulatedTicket(
                type: "CUSTOM", number: cip, expirationDate: EmulatorClock.format(created.addingTimeInterval(ticketLifetime)),
                id: "\(methodId)-\(cip)", companyName: "PASARELA SANDBOX SAC", providerName: methodId == "EF" ? "PagoEfectivo" : methodId,
                providerLogo: "\(base)/static/\(methodId).png", imageUrl: "\(base)/tickets/\(payment.id)", amount: amount, currency: currency)
            applySandboxOutcome(request.description, to: &payment)
        case "BANK_TRANSFER":
            payment.bankTransfer = EmulatedBankTransfer(name: methodId, code: methodId,
                                                        reference: String(Int.random(in: 100_000_000...999_999_999)),
                                                        beneficiary: "PASARELA SANDBOX SAC")
            payment.redirectUrl = "\(base)/bank/\(payment.id)"
        default:
            // Cards are auto-approved unless the description names a status code (1.12).
            if let code = request.description.flatMap(Int.init), (300..<400).contains(code) {
                payment.status = "REJECTED"; payment.statusCode = String(code); payment.statusDetail = "The payment was rejected."
            } else if request.card?.capture == false {
                payment.status = "AUTHORIZED"; payment.statusCode = "600"; payment.statusDetail = "The payment was authorized."
            } else {
                payment.status = "PAID"; payment.statusCode = "200"; payment.statusDetail = "The payment was paid."
                payment.approvedDate = EmulatorClock.format(created)
            }
        }
        let stored = payment
        let inserted: Bool = state.withLock { state in
            guard state.orders[orderId] == nil else { return false }
            state.orders[orderId] = stored.id
            state.payments[stored.id] = stored
            if let key { state.idempotencyKeys[key] = stored.id }
            return true
        }
        if inserted {
            record(stored)
            if let key { journal.withLock { $0?.append("key", KeyRecord(key: key, paymentId: stored.id)) } }
        }
        guard inserted else { throw EmulatorError(http: 400, code: 5009, message: "Order ID duplicated") }
        return stored
    }

    /// A request body read as dLocal reads it: a field of the wrong type is 5001 naming it, anything else unreadable 5000.
    static func decode<Request: Decodable>(_ type: Request.Type, _ body: [UInt8]) throws(EmulatorError) -> Request {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch let DecodingError.typeMismatch(_, context) {
            throw .missing(context.codingPath.map(\.stringValue).joined(separator: "."))
        } catch {
            throw EmulatorError(http: 400, code: 5000, message: "Invalid request")
        }
    }

    /// Cash in sandbox: `description` `"PAID"` or `"REJECTED"` forces the outcome (1.12).
    func applySandboxOutcome(_ description: String?, to payment: inout EmulatedPayment) {
        switch description {
        case "PAID":
            payment.status = "PAID"; payment.statusCode = "200"; payment.statusDetail = "The payment was paid."
        case "REJECTED":
            payment.status = "REJECTED"; payment.statusCode = "300"; payment.statusDetail = "The payment was rejected."
        default: break
        }
    }

    static func fits(_ amount: Decimal, decimals: Int) -> Bool {
        var scaled = amount
        for _ in 0..<decimals { scaled *= 10 }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return rounded == scaled
    }

    /// `GET /payments/{id}`.
    func payment(id: String, headers: [(name: String, value: String)]) throws(EmulatorError) -> EmulatedPayment {
        try authenticate(headers: headers, body: [])
        guard let payment = state.withLock({ $0.payments[id] }) else {
            throw EmulatorError.paymentNotFound
        }
        return payment
    }

    /// `GET /orders/{order_id}`: the order object for one of the merchant's order ids, naming the payment made under it
    /// (`{order_id, payment_id, currency, amount, created_date, approved_date, status, status_code, status_detail}`);
    /// an unknown order is 404 4000.
    func order(id orderId: String, headers: [(name: String, value: String)]) throws(EmulatorError) -> [UInt8] {
        try authenticate(headers: headers, body: [])
        guard let payment = state.withLock({ state in state.orders[orderId].flatMap { state.payments[$0] } }) else {
            throw EmulatorError(http: 404, code: 4000, message: "Order not found")
        }
        let order = EmulatedOrder(orderId: orderId, paymentId: payment.id, currency: payment.currency, amount: payment.amount,
                                  createdDate: payment.createdDate, approvedDate: payment.approvedDate, status: payment.status,
                                  statusCode: payment.statusCode, statusDetail: payment.statusDetail)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(order)) ?? Data())
    }

    /// `POST /payments/{id}/cancel`: a PENDING or AUTHORIZED payment becomes CANCELLED (then notified); any other is
    /// refused with 5002.
    func cancel(id: String, headers: [(name: String, value: String)]) throws(EmulatorError) -> EmulatedPayment {
        try authenticate(headers: headers, body: [])
        let result: Result<EmulatedPayment, EmulatorError> = state.withLock { state in
            guard var payment = state.payments[id] else { return .failure(EmulatorError.paymentNotFound) }
            guard payment.status == "PENDING" || payment.status == "AUTHORIZED" else {
                return .failure(EmulatorError.invalidStatus)
            }
            payment.status = Completion.cancelled.status
            payment.statusCode = Completion.cancelled.code
            payment.statusDetail = Completion.cancelled.detail
            state.payments[id] = payment
            return .success(payment)
        }
        if case .success(let payment) = result { record(payment) }
        return try result.get()
    }

    /// A sandbox control: moves a PENDING payment to a final status.
    /// - Throws: 404 4000 for an unknown id, 400 5002 when the payment is no longer PENDING.
    public func complete(_ id: String, as target: Completion) throws(EmulatorError) -> EmulatedPayment {
        let moment = EmulatorClock.format(now())
        let result: Result<EmulatedPayment, EmulatorError> = state.withLock { state in
            guard var payment = state.payments[id] else { return .failure(EmulatorError.paymentNotFound) }
            guard payment.status == "PENDING" else {
                return .failure(EmulatorError.invalidStatus)
            }
            payment.status = target.status
            payment.statusCode = target.code
            payment.statusDetail = target.detail
            if target == .paid { payment.approvedDate = moment }
            state.payments[id] = payment
            return .success(payment)
        }
        if case .success(let payment) = result { record(payment) }
        return try result.get()
    }

    /// The final statuses a sandbox control can set.
    public enum Completion: String, Sendable {
        case paid = "pay", expired = "expire", cancelled = "cancel"

        var status: String { switch self { case .paid: "PAID"; case .expired: "EXPIRED"; case .cancelled: "CANCELLED" } }
        var code: String { switch self { case .paid: "200"; case .expired: "500"; case .cancelled: "400" } }
        var detail: String {
            switch self {
            case .paid: "The payment was paid."
            case .expired: "The payment has expired."
            case .cancelled: "The payment was cancelled."
            }
        }
    }

    struct KeyRecord: Codable {
        var key: String
        var paymentId: String
    }

    func record(_ payment: EmulatedPayment) { journal.withLock { $0?.append("payment", payment) } }

    /// The JSON bytes of a payment object, exactly as sent in responses and notifications.
    static func encode(_ payment: EmulatedPayment) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(payment)) ?? Data())
    }
}

extension DLocalEmulator: PersistentLedger {
    public func persist(to path: String) throws {
        try LedgerJournal.replay(path: path) { kind, line in
            switch kind {
            case "payment":
                let payment = try LedgerJournal.value(line, as: EmulatedPayment.self)
                state.withLock { state in
                    state.payments[payment.id] = payment
                    state.orders[payment.orderId] = payment.id
                }
            case "key":
                let record = try LedgerJournal.value(line, as: KeyRecord.self)
                state.withLock { $0.idempotencyKeys[record.key] = record.paymentId }
            case "refund":
                let refund = try LedgerJournal.value(line, as: EmulatedRefund.self)
                state.withLock { state in
                    if state.refunds[refund.id] == nil { state.refundOrder.append(refund.id) }
                    state.refunds[refund.id] = refund
                }
            default: break
            }
        }
        let opened = try LedgerJournal(path: path)
        journal.withLock { $0 = opened }
    }
}
