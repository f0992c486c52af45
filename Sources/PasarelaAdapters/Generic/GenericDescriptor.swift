import PasarelaCore

/// A whole PSP protocol declared in `adapters/NAME.yaml` (`kind: generic`): endpoints, body templates,
/// response and webhook field paths, the status map and the webhook signature. Built and checked at start-up.
public struct GenericDescriptor: Sendable {
    /// An optional token exchange run before other calls; its token is `{token}` in templates.
    public var token: TokenExchange?
    public var create: Endpoint
    /// How to ask the PSP for one payment's state; `{psp_payment_id}` names it.
    public var lookup: Endpoint?
    public var webhook: Webhook
    /// PSP status words and event types → unified status; `nil` value = acknowledged, no change.
    public var statusMap: [String: PaymentStatus?]

    public init(token: TokenExchange?, create: Endpoint, lookup: Endpoint?, webhook: Webhook, statusMap: [String: PaymentStatus?]) {
        self.token = token
        self.create = create
        self.lookup = lookup
        self.webhook = webhook
        self.statusMap = statusMap
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
        public var amount: JSONPath?
        /// Whether `amount` is in major units (`decimal`) or minor units.
        public var amountInMinorUnits: Bool
        public var currency: JSONPath?
        /// Paths whose values, joined by `:`, identify one event across retries.
        public var dedupeKey: [JSONPath]

        public init(signature: ConfigurableHMAC, keyCredential: String, eventType: JSONPath, pspPaymentId: JSONPath,
                    reference: JSONPath?, amount: JSONPath?, amountInMinorUnits: Bool, currency: JSONPath?, dedupeKey: [JSONPath]) {
            self.signature = signature
            self.keyCredential = keyCredential
            self.eventType = eventType
            self.pspPaymentId = pspPaymentId
            self.reference = reference
            self.amount = amount
            self.amountInMinorUnits = amountInMinorUnits
            self.currency = currency
            self.dedupeKey = dedupeKey
        }
    }
}
