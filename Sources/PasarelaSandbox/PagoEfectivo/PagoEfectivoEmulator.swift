import Foundation
import PasarelaAdapters
import PasarelaCore
import Synchronization

/// A PagoEfectivo-style PSP in process, written by hand from PSP-PROTOCOLS.md section 3 (never from the adapter file,
/// so a wrong file fails the tests): `POST /v1/authorizations` checks the SHA-256 token hash and issues a token;
/// `POST /v1/cips` needs that token and issues a CIP; sandbox controls pay or expire a CIP and send the callback
/// signed with `PE-Signature` to the notification URL registered with PagoEfectivo. `POST /v1/cips/search` finds CIPs by
/// number or by transactionCode, and `DELETE /v1/cips/{cip}` cancels a pending one (both [U] in the spec: shapes are
/// this emulator's, and the adapter file declares them). Whether a repeated transactionCode is refused is [U] too: it is
/// by default, and `{"unique_transaction_code": false}` on `POST settings` makes a replay issue a second CIP.
public final class PagoEfectivoEmulator: Sendable {
    public struct Credentials: Sendable {
        public var idService: Int
        public var accessKey: String
        public var secretKey: String
        public init(idService: Int, accessKey: String, secretKey: String) {
            self.idService = idService
            self.accessKey = accessKey
            self.secretKey = secretKey
        }

        /// The values `adapters/pagoefectivo.yaml` names as `sandbox_default`.
        public static let sandbox = Credentials(idService: 1035, accessKey: "ACCESSKEYSANDBOX", secretKey: "SECRETKEYSANDBOX")
    }

    public let credentials: Credentials
    public let faults = FaultQueue()
    let lifetime: Mutex<TimeInterval>
    let now: @Sendable () -> Date
    let state = Mutex(State())
    let publicURL = Mutex("http://127.0.0.1")
    let notificationURL = Mutex<String?>(nil)
    public let sender = WebhookSender()
    /// Holds API replies on request.
    public let replies = ReplyGate()
    let uniqueTransactionCode = Mutex(true)
    /// Where the ledger is kept on disk, when it is.
    let journal = Mutex<LedgerJournal?>(nil)

    struct State {
        var tokens: [String: Date] = [:]
        var cips = SpillingLedger<Int, CIP>()
        var transactionCodes: Set<String> = []
        var authorizations = 0
        var operation = 0
    }

    struct CIP: Codable {
        var cip: Int
        var currency: String
        var amount: Decimal
        var transactionCode: String
        var dateExpiry: String
        var status: String
        var userDocumentType: String?
        var userDocumentNumber: String?
        var paidAt: Date?

        func json(base: String) -> [String: Any] {
            var object: [String: Any] = [
                "cip": cip, "currency": currency, "amount": NSDecimalNumber(decimal: amount), "transactionCode": transactionCode,
                "dateExpiry": dateExpiry, "status": status, "cipUrl": "\(base)/cip/\(cip).html",
            ]
            if let userDocumentType { object["userDocumentType"] = userDocumentType }
            if let userDocumentNumber { object["userDocumentNumber"] = userDocumentNumber }
            return object
        }
    }

    public init(credentials: Credentials = .sandbox, tokenLifetime: TimeInterval = 2 * 3600, now: @escaping @Sendable () -> Date = Date.init) {
        self.credentials = credentials
        self.lifetime = Mutex(tokenLifetime)
        self.now = now
    }

    public func setPublicURL(_ url: String) { publicURL.withLock { $0 = url } }
    /// How long the tokens issued from now on last.
    public func setTokenLifetime(_ seconds: TimeInterval) { lifetime.withLock { $0 = seconds } }
    /// The URL registered with PagoEfectivo for callbacks.
    public func setWebhookTarget(_ url: String?) {
        notificationURL.withLock { $0 = url }
        journal.withLock { $0?.append("target", url ?? "") }
    }

    public var settingNames: Set<String> { ["unique_transaction_code"] }

    public func applySetting(_ name: String, _ value: Bool) -> Bool {
        guard name == "unique_transaction_code" else { return false }
        uniqueTransactionCode.withLock { $0 = value }
        return true
    }
    /// How many tokens were issued.
    public var authorizations: Int { state.withLock { $0.authorizations } }
    /// CIPs issued, oldest first.
    public var ledger: [Int] { state.withLock { $0.cips.keys } }
    public func status(of cip: Int) -> String? { state.withLock { $0.cips[cip]?.status } }

    /// `yyyy-MM-ddTHH:mm:ss-05:00`, exactly.
    static func limaDate(_ text: String) -> Date? {
        guard text.count == 25, text.hasSuffix("-05:00") else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: -5 * 3600)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxx"
        return formatter.date(from: text)
    }

    static func limaText(_ date: Date) -> String { Timestamps.lima(date) }

    /// `POST /v1/authorizations`.
    func authorize(_ body: [UInt8]) -> (Int, [String: Any]) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return Self.error(400, "Formato inválido", field: "body")
        }
        guard let accessKey = object["accessKey"] as? String else { return Self.error(400, "accessKey es requerido", field: "accessKey") }
        guard let idService = object["idService"] as? Int else { return Self.error(400, "idService debe ser numérico", field: "idService") }
        guard let dateRequest = object["dateRequest"] as? String, let date = Self.limaDate(dateRequest) else {
            return Self.error(400, "dateRequest debe tener el formato yyyy-MM-ddTHH:mm:ss-05:00", field: "dateRequest")
        }
        guard let hash = object["hashString"] as? String else { return Self.error(400, "hashString es requerido", field: "hashString") }
        if object["secretKey"] != nil { return Self.error(400, "secretKey no debe enviarse", field: "secretKey") }
        guard abs(date.timeIntervalSince(now())) < 600 else { return Self.error(401, "dateRequest fuera de rango", field: "dateRequest") }
        let expected = SHA256Hex.of("\(credentials.idService).\(credentials.accessKey).\(credentials.secretKey).\(dateRequest)")
        guard accessKey == credentials.accessKey, idService == credentials.idService,
              ConstantTime.equals(Array(hash.lowercased().utf8), Array(expected.utf8)) else {
            return Self.error(401, "Credenciales inválidas", field: "hashString")
        }
        let token = "eyJ" + UUID().uuidString.replacingOccurrences(of: "-", with: "") + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let start = now(), expires = start.addingTimeInterval(lifetime.withLock { $0 })
        state.withLock { state in
            state.tokens[token] = expires
            state.authorizations += 1
        }
        return (201, ["code": "100", "message": "Solicitud exitosa.",
                      "data": ["token": token, "codeService": "PSB", "tokenStart": Self.limaText(start), "tokenExpires": Self.limaText(expires)]])
    }

    /// The Bearer token check every CIP call makes; `nil` when the token is valid.
    func refusal(_ authorization: String?) -> (Int, [String: Any])? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return Self.error(401, "Token requerido", field: "Authorization") }
        let token = String(authorization.dropFirst(7))
        let valid = state.withLock { state in state.tokens[token].map { $0 > now() } ?? false }
        return valid ? nil : Self.error(401, "Token inválido o expirado", field: "Authorization")
    }

    /// `POST /v1/cips`.
    func generate(_ body: [UInt8], authorization: String?) -> (Int, [String: Any]) {
        if let refusal = refusal(authorization) { return refusal }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return Self.error(400, "Formato inválido", field: "body")
        }
        guard let currency = object["currency"] as? String, ["PEN", "USD"].contains(currency) else {
            return Self.error(400, "currency debe ser PEN o USD", field: "currency")
        }
        guard let number = object["amount"] as? NSNumber, !(object["amount"] is String), number.doubleValue > 0 else {
            return Self.error(400, "amount debe ser un número mayor a cero", field: "amount")
        }
        let amount = Decimal(string: "\(number)") ?? Decimal(number.doubleValue)
        guard Self.hasAtMostTwoDecimals(amount) else { return Self.error(400, "amount admite dos decimales", field: "amount") }
        guard let transactionCode = object["transactionCode"] as? String, !transactionCode.isEmpty else {
            return Self.error(400, "transactionCode es requerido", field: "transactionCode")
        }
        guard let dateExpiry = object["dateExpiry"] as? String, let expiry = Self.limaDate(dateExpiry) else {
            return Self.error(400, "dateExpiry debe tener el formato yyyy-MM-ddTHH:mm:ss-05:00", field: "dateExpiry")
        }
        guard expiry > now() else { return Self.error(400, "dateExpiry debe ser futura", field: "dateExpiry") }
        guard let email = object["userEmail"] as? String, email.contains("@") else {
            return Self.error(400, "userEmail es requerido", field: "userEmail")
        }
        if let type = object["userDocumentType"] {
            guard let text = type as? String, ["DNI", "PAS", "LMI", "PAR", "NAN"].contains(text) else {
                return Self.error(400, "userDocumentType inválido", field: "userDocumentType")
            }
        }
        let unique = uniqueTransactionCode.withLock { $0 }
        let cip: Int? = state.withLock { state in
            guard state.transactionCodes.insert(transactionCode).inserted || !unique else { return nil }
            var cip: Int
            repeat { cip = Int.random(in: 1_000_000...99_999_999) } while state.cips.contains(cip)
            state.cips[cip] = CIP(cip: cip, currency: currency, amount: amount, transactionCode: transactionCode,
                                  dateExpiry: dateExpiry, status: "PENDING", userDocumentType: object["userDocumentType"] as? String,
                                  userDocumentNumber: object["userDocumentNumber"] as? String)
            return cip
        }
        guard let cip else { return Self.error(400, "transactionCode ya fue registrado", field: "transactionCode") }
        record(cip)
        let base = publicURL.withLock { $0 }
        return (201, ["code": "100", "message": "Solicitud exitosa.",
                      "data": ["cip": cip, "currency": currency, "amount": NSDecimalNumber(decimal: amount), "transactionCode": transactionCode,
                               "dateExpiry": dateExpiry, "cipUrl": "\(base)/cip/\(cip).html"]])
    }

    /// Every CIP issued, oldest first, as the search answers them.
    public var ledgerJSON: [[String: Any]] {
        let base = publicURL.withLock { $0 }
        return state.withLock { state in state.cips.all().map { $0.json(base: base) } }
    }

    /// Writes a CIP's current state to the ledger on disk, when there is one.
    func record(_ cip: Int) {
        guard let found = state.withLock({ $0.cips[cip] }) else { return }
        journal.withLock { $0?.append("cip", found) }
    }

    static func hasAtMostTwoDecimals(_ amount: Decimal) -> Bool {
        var scaled = amount * 100, rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return rounded == scaled
    }

    /// Sandbox control: `pay` or `expire` a pending CIP, then send the signed callback.
    public func complete(_ cip: Int, as action: String) async -> (Int, [String: Any]) {
        let events = ["pay": ("PAID", "cip.paid"), "expire": ("EXPIRED", "cip.expired")]
        guard let (status, eventType) = events[action] else { return Self.error(404, "acción desconocida", field: "action") }
        let moved: (CIP, Int)?? = state.withLock { state in
            guard let found = state.cips[cip] else { return nil }
            guard found.status == "PENDING" else { return .some(nil) }
            state.cips[cip]?.status = status
            if status == "PAID" { state.cips[cip]?.paidAt = now() }
            state.operation += 1
            return .some((found, state.operation))
        }
        guard let moved else { return Self.error(404, "CIP no encontrado", field: "cip") }
        guard let (found, operation) = moved else { return Self.error(400, "El CIP no está pendiente", field: "cip") }
        record(cip)
        let delivery = await notify(found, eventType: eventType, operation: operation)
        return (200, ["cip": cip, "status": status, "notification": delivery.json])
    }

    /// Sends a callback: `{eventType, operationNumber, data{cip, currency, amount, paymentDate, transactionCode}}`. Only a
    /// payment has a `paymentDate`: an expiry (`cip.expired`) carries none, since nothing was paid.
    func notify(_ cip: CIP, eventType: String, operation: Int) async -> WebhookSender.Delivery {
        let amount = NSDecimalNumber(decimal: cip.amount).stringValue
        let paymentDate = eventType == "cip.paid" ? #""paymentDate":"\#(Self.limaText(now()))","# : ""
        let body = Array("""
            {"eventType":"\(eventType)","operationNumber":"\(String(format: "%06d", operation))","data":{"cip":\(cip.cip),"currency":"\(cip.currency)","amount":\(amount),\(paymentDate)"transactionCode":"\(cip.transactionCode)"}}
            """.utf8)
        let signature = PagoEfectivoSignature.signature(body: body, secretKey: credentials.secretKey)
        return await sender.deliver(to: notificationURL.withLock { $0 }, headers: [(PagoEfectivoSignature.header, signature)], body: body)
    }

    static func error(_ status: Int, _ message: String, field: String) -> (Int, [String: Any]) {
        (status, ["code": String(status), "message": message, "data": [["code": String(status), "field": field, "message": message]]])
    }
}

extension PagoEfectivoEmulator: PersistentLedger {
    public func persist(to path: String) throws {
        try LedgerJournal.replay(path: path) { kind, line in
            if kind == "target" {
                let url = try LedgerJournal.value(line, as: String.self)
                notificationURL.withLock { $0 = url.isEmpty ? nil : url }
            }
            guard kind == "cip" else { return }
            let cip = try LedgerJournal.value(line, as: CIP.self)
            state.withLock { state in
                state.cips[cip.cip] = cip
                state.transactionCodes.insert(cip.transactionCode)
                state.operation = max(state.operation, state.cips.count)
            }
        }
        let opened = try LedgerJournal(path: path)
        journal.withLock { $0 = opened }
    }
}
