import Foundation
import PasarelaAdapters
import PasarelaCore

/// One PSP connection, from `adapters/NAME.yaml`.
public struct ConnectionConfig: Sendable {
    public enum Environment: String, Sendable { case sandbox, production }

    /// The file's base name: `dlocal` for `adapters/dlocal.yaml`; also the webhook path `/webhooks/dlocal`.
    public var name: String
    /// Which adapter speaks this PSP's protocol (`dlocal`, `checkout`, `generic`).
    public var kind: String
    public var environment: Environment
    /// The base URL for the connection's environment.
    public var baseURL: String
    /// Resolved secrets by name. Never logged.
    public var credentials: DeclaredCredentials
    /// The adapter that speaks this PSP's protocol, made at load with the credentials typed.
    public var adapter: any PSPAdapter
    public var connectTimeoutMs: Int
    public var requestTimeoutMs: Int
    /// What the connection can carry; empty means anything its adapter supports.
    public var supports: [Support]
    /// The whole protocol, for `kind: generic`.
    public var generic: GenericDescriptor?
    /// Which built-in emulator stands in for this connection in sandbox mode (`dlocal`, `checkout`, `pagoefectivo`);
    /// `sandbox_emulator: none` keeps the file's sandbox base URL (a PSP's own sandbox).
    public var sandboxEmulator: String?
    /// When to stop sending payments to this connection for a while.
    public var breaker = BreakerConfig()
    /// The most calls to this PSP in flight at once, from this instance (`limits.max_in_flight`, 100); one more is not
    /// sent and fails over like a PSP that answered 429.
    public var maxInFlight = 100
    /// When and how often the reconciler asks this PSP about payments it has not settled.
    public var reconcile = LookPolicy()
    /// Who may post webhooks (`webhook.allow_ips`); empty means anyone with a valid signature.
    public var webhookAllowList: [CIDR] = []
    /// Peers trusted to state the client address in `webhookClientIPHeader` (a proxy in front of Pasarela).
    public var trustedProxies: [CIDR] = []
    public var webhookClientIPHeader: String?
    /// How far a webhook's signed time may be from now, either way (`webhook.freshness_seconds`, 300).
    public var webhookFreshnessSeconds: Int = 300

    public struct Support: Sendable {
        public var countries: Set<String>
        public var methods: Set<PaymentMethodType>
        public var currencies: Set<String>
        /// The payer document types the PSP takes here; empty means any (or none asked for).
        public var documents: Set<String>

        public init(countries: Set<String>, methods: Set<PaymentMethodType>, currencies: Set<String>, documents: Set<String> = []) {
            self.countries = countries
            self.methods = methods
            self.currencies = currencies
            self.documents = documents
        }

        func covers(_ request: PaymentRequest) -> Bool {
            (countries.isEmpty || countries.contains(request.country))
                && (methods.isEmpty || methods.contains(request.method.type))
                && (currencies.isEmpty || currencies.contains(request.amount.currency.code))
                && (documents.isEmpty || request.customer.document.map { documents.contains($0.type) } ?? true)
        }
    }

    /// The prefixes of the card tokens this connection's PSP issued and accepts (`card_tokens:`); empty means any.
    /// A card token is scoped to the PSP that tokenized the card: another PSP cannot charge it.
    public var cardTokenPrefixes: [String] = []

    public init(name: String, kind: String, environment: Environment, baseURL: String, credentials: DeclaredCredentials, adapter: any PSPAdapter,
                connectTimeoutMs: Int = 2000, requestTimeoutMs: Int = 15000, supports: [Support] = [],
                generic: GenericDescriptor? = nil) {
        self.name = name
        self.kind = kind
        self.environment = environment
        self.baseURL = baseURL
        self.credentials = credentials
        self.adapter = adapter
        self.connectTimeoutMs = connectTimeoutMs
        self.requestTimeoutMs = requestTimeoutMs
        self.supports = supports
        self.generic = generic
        self.sandboxEmulator = ["dlocal", "checkout"].contains(kind) ? kind : nil
    }

    /// The circuit breaker's thresholds (`breaker:` in the adapter file).
    public struct BreakerConfig: Sendable, Equatable {
        /// Opens after this many failures in a row.
        public var consecutiveFailures = 5
        /// Or when at least `minRequests` calls in the last `windowSeconds` failed at this rate (0...1).
        public var errorRate = 0.5
        public var windowSeconds = 60.0
        public var minRequests = 10
        /// Stays open this long, then lets one probe through.
        public var cooldownMs = 30_000

        public init() {}
    }

    /// Whether a webhook from `peer` (the TCP peer), with `forwarded` as the client-IP header's value, may be processed.
    /// - Returns: `nil` when allowed, else the address refused.
    public func webhookSourceRefused(peer: String?, forwarded: String?) -> String? {
        guard !webhookAllowList.isEmpty else { return nil }
        var client = peer ?? ""
        if let forwarded, webhookClientIPHeader != nil, trustedProxies.contains(where: { $0.contains(client) }) {
            // The right-most address is the one our trusted proxy saw.
            client = forwarded.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? client
        }
        return webhookAllowList.contains(where: { $0.contains(client) }) ? nil : (client.isEmpty ? "unknown" : client)
    }

    /// `nil` when the connection declares it can carry the request, else why not.
    public func unsupportedReason(_ request: PaymentRequest) -> String? {
        if case .card(let token) = request.method, !cardTokenPrefixes.isEmpty, !cardTokenPrefixes.contains(where: { token.hasPrefix($0) }) {
            return "the card token was not issued by \(name), which takes tokens starting \(cardTokenPrefixes.joined(separator: " or ")) (card_tokens in adapters/\(name).yaml)"
        }
        guard !supports.isEmpty, !supports.contains(where: { $0.covers(request) }) else { return nil }
        let document = request.customer.document.map { " for a payer with a \($0.type) document" } ?? ""
        return "\(name) does not declare \(request.method.type.rawValue) in \(request.country) with \(request.amount.currency.code)\(document) in adapters/\(name).yaml"
    }
}
