import PasarelaCore

/// The rules of `routes.yaml`: ordered, first match wins, the last a catch-all default.
public struct RoutesConfig: Sendable {
    public var rules: [RouteRule]
    /// The `defaults:` block: attempt policy for rules that do not override it.
    public var defaults: AttemptPolicy
    /// The `outbound:` block: where merchant-given URLs may point.
    public var outbound: OutboundConfig
    /// The `rate_limit:` block: how many `/v1` requests each merchant may make.
    public var rateLimit: RateLimitConfig

    public init(rules: [RouteRule], defaults: AttemptPolicy = AttemptPolicy(), outbound: OutboundConfig = OutboundConfig(),
                rateLimit: RateLimitConfig = RateLimitConfig()) {
        self.rules = rules
        self.defaults = defaults
        self.outbound = outbound
        self.rateLimit = rateLimit
    }
}

/// `rate_limit:` in routes.yaml: a token bucket per merchant and per gateway instance over every `/v1` request.
/// A merchant past it gets 429 `rate_limited` with `Retry-After`.
public struct RateLimitConfig: Sendable, Equatable {
    /// One merchant's allowance: a steady rate and the burst it may spend at once.
    public struct Rate: Sendable, Equatable {
        public var requestsPerSecond: Int
        public var burst: Int
        public init(requestsPerSecond: Int, burst: Int) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
        }
    }

    /// The allowance of merchants not listed in ``merchants``.
    public var standard: Rate
    /// Allowances by merchant id.
    public var merchants: [String: Rate]

    public static let defaultRate = Rate(requestsPerSecond: 1000, burst: 2000)

    public init(standard: Rate = RateLimitConfig.defaultRate, merchants: [String: Rate] = [:]) {
        self.standard = standard
        self.merchants = merchants
    }

    /// The allowance of one merchant.
    public func rate(for merchant: String) -> Rate { merchants[merchant] ?? standard }
}

/// `outbound:` in routes.yaml: loopback and private addresses a merchant's URLs (`notification_url`) may point at.
/// Link-local, multicast, unspecified addresses and the gateway's own are refused whatever it says.
public struct OutboundConfig: Sendable, Equatable {
    /// Networks allowed even where private and loopback addresses are refused.
    public var allow: [CIDR] = []
    /// Whether loopback and private addresses are allowed at all: `nil` takes the mode's default (allowed in sandbox,
    /// refused in production).
    public var privateAddresses: Bool?

    public init(allow: [CIDR] = [], privateAddresses: Bool? = nil) {
        self.allow = allow
        self.privateAddresses = privateAddresses
    }
}

/// How a rule's chain is tried.
public struct AttemptPolicy: Sendable, Equatable {
    /// Per-attempt timeout; `nil` uses the connection's `timeouts.request_ms`.
    public var timeoutMs: Int?
    /// Most PSP attempts for one payment, across the chain.
    public var maxAttempts: Int
    /// Failure classes that move on to the next connection. Ambiguous outcomes move on only once the PSP says
    /// it has no such payment; hard declines never do.
    public var failoverOn: Set<FailureClass>

    public static let defaultFailover: Set<FailureClass> = [.timeout, .connectionError, .http5xx, .rateLimited, .rejected, .invalidResponse]

    public init(timeoutMs: Int? = nil, maxAttempts: Int = 3, failoverOn: Set<FailureClass> = AttemptPolicy.defaultFailover) {
        self.timeoutMs = timeoutMs
        self.maxAttempts = maxAttempts
        self.failoverOn = failoverOn
    }
}

/// One rule: what it matches and the ordered chain of connections to try.
public struct RouteRule: Sendable {
    public var name: String
    public var match: RouteMatch
    public var targets: [RouteTarget]
    /// The rule's policy, its overrides applied over the defaults.
    public var policy: AttemptPolicy
    /// Where the rule is written, for messages.
    public var line: Int

    public init(name: String, match: RouteMatch, targets: [RouteTarget], policy: AttemptPolicy = AttemptPolicy(), line: Int = 0) {
        self.name = name
        self.match = match
        self.targets = targets
        self.policy = policy
        self.line = line
    }
}

/// A connection in a rule's chain. With weights, the first choice is drawn among the targets of weight > 0;
/// the others follow in written order. Weight 0 means fallback only.
public struct RouteTarget: Sendable, Equatable {
    public var connection: String
    public var weight: Int?
    public init(connection: String, weight: Int? = nil) {
        self.connection = connection
        self.weight = weight
    }
}
