import PasarelaCore

/// A whole PSP protocol declared in `adapters/NAME.yaml` (`kind: generic`): endpoints, body templates,
/// response and webhook field paths, the status map and the webhook signature. Built and checked at start-up.
public struct GenericDescriptor: Sendable {
    /// An optional token exchange run before other calls; its token is `{token}` in templates.
    public var token: TokenExchange?
    public var create: Endpoint
    /// What the PSP does with the same create sent again (`create.replay`); by default `refused_as_duplicate` when the
    /// file says how the PSP refuses a repeat (`create.response.duplicate`), else `never`.
    public var replay: CreateReplay = .never
    /// How to ask the PSP for one payment's state; `{psp_payment_id}` names it.
    public var lookup: Endpoint?
    /// How to find the payments the PSP holds under our reference (`{attempt.id}`), when its id was never learnt.
    public var lookupByReference: Endpoint?
    /// How to cancel an unpaid payment at the PSP; `{psp_payment_id}` names it.
    public var cancel: Cancel?
    public var webhook: Webhook
    /// PSP status words and event types → unified status; `nil` value = acknowledged, no change.
    public var statusMap: [String: PaymentStatus?]
    /// Unified payer document types → the PSP's words (`document_types:`); a type not listed is left out of requests.
    public var documentTypes: [String: String]?
    /// How to refund a payment (`refund:`); `{refund.id}`, `{refund.amount}`, `{psp_payment_id}` name it.
    public var refund: Endpoint?
    /// How to ask where a refund stands (`refund_lookup:`).
    public var refundLookup: Endpoint?
    /// The PSP's refund status words → pending, succeeded or failed (`refund_status_map:`).
    public var refundStatusMap: [String: RefundStatus] = [:]
    /// How the PSP's settlement report is laid out (`settlement:`).
    public var settlement: SettlementLayout?

    public init(token: TokenExchange?, create: Endpoint, lookup: Endpoint?, lookupByReference: Endpoint? = nil, cancel: Cancel? = nil,
                webhook: Webhook, statusMap: [String: PaymentStatus?]) {
        self.token = token
        self.create = create
        self.lookup = lookup
        self.lookupByReference = lookupByReference
        self.cancel = cancel
        self.webhook = webhook
        self.statusMap = statusMap
    }

    /// A cancel endpoint and the statuses it applies to.
    public struct Cancel: Sendable {
        public var request: Endpoint
        /// The payment statuses the PSP can cancel (`requires_action` for an unpaid voucher).
        public var appliesTo: Set<PaymentStatus>

        public init(request: Endpoint, appliesTo: Set<PaymentStatus>) {
            self.request = request
            self.appliesTo = appliesTo
        }
    }

    /// An amount in an answer or a notification, and how to read it.
    public struct AmountFields: Sendable {
        public var amount: JSONPath
        public var currency: JSONPath?
        /// Whether the amount is in minor units (`minor`) or a decimal in major units (`decimal`).
        public var minorUnits: Bool

        public init(amount: JSONPath, currency: JSONPath?, minorUnits: Bool) {
            self.amount = amount
            self.currency = currency
            self.minorUnits = minorUnits
        }

        /// The amount stated in `json`, read exactly, or said to be unreadable.
        public func read(_ json: JSONValue) -> ReportedAmount {
            guard let text = amount.text(in: json) else { return .absent }
            let code = currency.flatMap { $0.text(in: json) }
            guard let code, let currency = Currency(code: code) else { return .unreadable("\(text.prefix(30)) \(code?.prefix(8) ?? "?")") }
            let money = minorUnits ? Int64(text).map { Money(minorUnits: $0, currency: currency) } : Money(majorUnits: text, currency: currency)
            return money.map(ReportedAmount.exact) ?? .unreadable("\(text.prefix(30)) \(code)")
        }
    }

    public struct Endpoint: Sendable {
        public var method: String
        public var path: Text
        public var headers: [(String, Text)]
        public var body: Template?
        public var response: ResponseFields

        public init(method: String, path: Text, headers: [(String, Text)], body: Template?, response: ResponseFields) {
            self.method = method
            self.path = path
            self.headers = headers
            self.body = body
            self.response = response
        }
    }

    /// Where things are in a response body.
    public struct ResponseFields: Sendable {
        /// When present, the answer is a success only if this holds (PagoEfectivo: `code == "100"`).
        public var success: Condition?
        /// When present and true of an error answer, the PSP already holds this attempt (a replayed create):
        /// the outcome is ambiguous, never "not created".
        public var duplicate: Condition?
        /// Lookups: the path of the list of payments found; each element is read with the other paths.
        public var items: JSONPath?
        /// The amount stated, checked against the payment's.
        public var amount: AmountFields?
        /// Our reference (the attempt id) as the PSP echoes it.
        public var reference: JSONPath?
        /// Refunds: the PSP's id for the refund.
        public var pspRefundId: JSONPath?
        public var pspPaymentId: JSONPath?
        public var status: JSONPath?
        public var voucherCode: JSONPath?
        public var voucherURL: JSONPath?
        public var barcode: JSONPath?
        public var redirectURL: JSONPath?
        public var expiresAt: JSONPath?
        public var errorCode: JSONPath?
        public var errorMessage: JSONPath?
        /// Token exchange only.
        public var token: JSONPath?

        public init(success: Condition? = nil, pspPaymentId: JSONPath? = nil, status: JSONPath? = nil, voucherCode: JSONPath? = nil,
                    voucherURL: JSONPath? = nil, barcode: JSONPath? = nil, redirectURL: JSONPath? = nil,
                    expiresAt: JSONPath? = nil, errorCode: JSONPath? = nil, errorMessage: JSONPath? = nil, token: JSONPath? = nil) {
            self.success = success
            self.pspPaymentId = pspPaymentId
            self.status = status
            self.voucherCode = voucherCode
            self.voucherURL = voucherURL
            self.barcode = barcode
            self.redirectURL = redirectURL
            self.expiresAt = expiresAt
            self.errorCode = errorCode
            self.errorMessage = errorMessage
            self.token = token
        }
    }

    /// `path == value`, comparing the text of strings and numbers (`"100"` and `100` both match `100`).
    public struct Condition: Sendable {
        public var path: JSONPath
        public var equals: String
        public init(path: JSONPath, equals: String) {
            self.path = path
            self.equals = equals
        }
    }

    public struct TokenExchange: Sendable {
        public var request: Endpoint
        /// Used when the answer has no expiry.
        public var defaultLifetime: Double
        /// A token this close to expiry is replaced before use.
        public var refreshBefore: Double

        public init(request: Endpoint, defaultLifetime: Double, refreshBefore: Double) {
            self.request = request
            self.defaultLifetime = defaultLifetime
            self.refreshBefore = refreshBefore
        }
    }

    public struct Webhook: Sendable {
        public var signature: ConfigurableHMAC
        /// The credential that keys the signature.
        public var keyCredential: String
        public var eventType: JSONPath
        public var pspPaymentId: JSONPath
        public var reference: JSONPath?
        public var amount: AmountFields?
        /// Paths whose values, joined by `:`, identify one event across retries.
        public var dedupeKey: [JSONPath]
        /// A voucher the notification carries (learnt here when the create reply was lost).
        public var voucherCode: JSONPath?
        public var voucherURL: JSONPath?
        public var expiresAt: JSONPath?
        /// The signed time of the notification, for the freshness window (`webhook.fields.signed_at`).
        public var signedAt: JSONPath?

        public init(signature: ConfigurableHMAC, keyCredential: String, eventType: JSONPath, pspPaymentId: JSONPath,
                    reference: JSONPath?, amount: AmountFields?, dedupeKey: [JSONPath], voucherCode: JSONPath? = nil,
                    voucherURL: JSONPath? = nil, expiresAt: JSONPath? = nil) {
            self.signature = signature
            self.keyCredential = keyCredential
            self.eventType = eventType
            self.pspPaymentId = pspPaymentId
            self.reference = reference
            self.amount = amount
            self.dedupeKey = dedupeKey
            self.voucherCode = voucherCode
            self.voucherURL = voucherURL
            self.expiresAt = expiresAt
        }
    }
}
