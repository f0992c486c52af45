import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaRouting

/// One thing `pasarela doctor` found: fine, worth a look, or a problem to fix before taking payments.
public struct DoctorFinding: Sendable, Equatable {
    public enum Level: String, Sendable {
        case ok, warning, problem
    }

    public var level: Level
    /// What was checked: a connection's name, `public URL`, `database`, `config`.
    public var subject: String
    /// What was found and, for a problem, what to do.
    public var message: String

    public init(_ level: Level, _ subject: String, _ message: String) {
        self.level = level
        self.subject = subject
        self.message = message
    }
}

/// `pasarela doctor`'s checks of the connections: what a payment would meet, found before one does.
public final class Doctor: Sendable {
    let live: LiveConfigs
    let psp: PSPClient

    init(live: LiveConfigs, psp: PSPClient) {
        self.live = live
        self.psp = psp
    }

    /// The doctor for a config alone, as `pasarela doctor` runs it: no store (its probes are about no payment, so keep
    /// no transcript) and nothing else of a running gateway.
    public convenience init(snapshot: ConfigSnapshot, publicBaseURL: String, sandbox: Bool, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.init(live: LiveConfigs(snapshot: snapshot, publicBaseURL: publicBaseURL, sandbox: sandbox),
                  psp: PSPClient(executor: HTTPExecutor(), callLog: nil, logger: logger, now: now))
    }

    /// The credential that keys a connection's webhook signatures.
    static func webhookCredential(_ config: ConnectionConfig) -> String? {
        switch config.kind {
        case "dlocal": "secret_key"
        case "checkout": "webhook_secret"
        default: config.generic?.webhook.keyCredential
        }
    }

    /// Checks one connection the way a payment would use it: its credentials and webhook secret are there, and its
    /// PSP takes a signed, authenticated call (a lookup of a payment that does not exist, which changes nothing).
    public func diagnose(connection name: String) async -> [DoctorFinding] {
        guard let connection = live.current.connections[name] else { return [DoctorFinding(.problem, name, "no such connection")] }
        var found: [DoctorFinding] = []
        if !live.sandbox, connection.config.environment == .sandbox {
            found.append(DoctorFinding(.warning, name, "environment: sandbox, so live keys never route here; test keys reach \(connection.config.baseURL)"))
        }
        let names = connection.config.credentials.names
        found.append(DoctorFinding(.ok, name, names.isEmpty ? "no credentials needed" : "credentials set: \(names.joined(separator: ", "))"))
        if let key = Self.webhookCredential(connection.config) {
            if connection.config.credentials.value(key)?.isEmpty == false {
                found.append(DoctorFinding(.ok, name, "webhook secret set (\(key)); the PSP posts to \(connection.context.webhookURL)"))
            } else {
                found.append(DoctorFinding(.problem, name, "no webhook secret: set the credential '\(key)' in adapters/\(name).yaml, or every webhook is refused"))
            }
        }
        let recovery = connection.adapter.recovery
        if let reason = recovery.unresolvable {
            found.append(DoctorFinding(.warning, name, "a create whose answer is lost: \(recovery.summary), since \(reason); "
                + "such payments go to review (outcome_unknowable): declare lookup_by_reference, or create.replay if the PSP answers a "
                + "repeated create with the payment it holds, in adapters/\(name).yaml"))
        }
        found.append(await probe(connection))
        return found
    }

    /// An authenticated call that changes nothing: a lookup of an id no PSP holds, else (no lookup flow) the token
    /// exchange, else nothing to call.
    func probe(_ connection: Connection) async -> DoctorFinding {
        let name = connection.config.name, base = connection.config.baseURL
        guard let flow = connection.adapter.lookup else {
            guard connection.adapter.token != nil else {
                return DoctorFinding(.warning, name, "no lookup flow to call: credentials are first tried by a payment")
            }
            switch await psp.token(for: connection) {
            case .success: return DoctorFinding(.ok, name, "credentials accepted: \(base) issued an access token")
            case .failure(let failure): return Self.unreachableOrRefused(failure.outcome, connection: connection)
            }
        }
        let key = Self.unknownPayment(connection.config, byReference: flow.findsByReference)
        let at = psp.now()
        return await psp.call(PSPCall(flow: .doctor, build: { context throws(AdapterError) in try flow.buildLookup(key, now: at, context: context) },
                                      read: { response in
                                          if let problem = connection.adapter.misconfiguration(response) { return DoctorFinding(.problem, name, problem.fix) }
                                          switch flow.parseLookup(response, key: key) {
                                          case .notFound, .found, .identified:
                                              return DoctorFinding(.ok, name, "credentials and request signing accepted by \(base) (a lookup of an unknown payment answered \(response.status))")
                                          case .failed(let outcome):
                                              if response.status == 401 || response.status == 403 {
                                                  return DoctorFinding(.problem, name, "\(base) refused the credentials (HTTP \(response.status)): check the credentials adapters/\(name).yaml names")
                                              }
                                              return DoctorFinding(.warning, name, "\(base) answered HTTP \(response.status) to a lookup of an unknown payment: \(outcome.errorMessage ?? "no message")")
                                          }
                                      },
                                      failed: { Self.unreachableOrRefused($0, connection: connection) }),
                              on: connection)
    }

    static func unreachableOrRefused(_ outcome: PSPOutcome, connection: Connection) -> DoctorFinding {
        let name = connection.config.name
        switch outcome.failureClass {
        case .connectionError?, .timeout?:
            return DoctorFinding(.problem, name, "cannot reach \(connection.config.baseURL): \(outcome.errorMessage ?? "no answer") (check base_url and the network path)")
        default:
            return DoctorFinding(.problem, name, "\(connection.config.baseURL) refused the call: \(outcome.errorMessage ?? outcome.outcome.rawValue)")
        }
    }

    /// A key no PSP holds, shaped like the PSP's own ids so the lookup reaches the question of whether it exists.
    static func unknownPayment(_ config: ConnectionConfig, byReference: Bool) -> LookupKey {
        let random = UUID().uuidString.lowercased()
        switch config.kind {
        case "dlocal": return .pspPaymentId("D-4-\(random)")
        case "checkout": return .pspPaymentId("pay_" + String(random.filter(\.isLetter).prefix(26)).padding(toLength: 26, withPad: "a", startingAt: 0))
        default: return byReference ? .reference("doctor_\(random.prefix(8))") : .pspPaymentId("doctor_\(random.prefix(8))")
        }
    }

    /// Whether PSPs can post webhooks to `url`: an absolute http(s) URL without user, query or fragment; in production,
    /// https on a name or public address (PSPs on the internet cannot reach loopback or private addresses).
    public static func diagnosePublicURL(_ url: String, production: Bool) -> DoctorFinding {
        let subject = "public URL"
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = parts.host, !host.isEmpty else {
            return DoctorFinding(.problem, subject, "'\(url.prefix(100))' is not an absolute http(s) URL: pass --public-url https://HOST")
        }
        if parts.user != nil || parts.password != nil || parts.query != nil || parts.fragment != nil {
            return DoctorFinding(.problem, subject, "\(scheme)://\(host)… carries a user, query or fragment: give the bare base URL")
        }
        guard production else {
            return DoctorFinding(.ok, subject, "\(url) (sandbox: the emulators on this machine post webhooks here)")
        }
        if scheme != "https" {
            return DoctorFinding(.problem, subject, "\(url) is not https: PSPs post webhooks only to https URLs; pass --public-url https://HOST")
        }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "localhost" || bare.hasSuffix(".localhost") || bare.hasSuffix(".local") {
            return DoctorFinding(.problem, subject, "\(host) is a local name PSPs cannot reach: give the name the internet reaches this gateway at")
        }
        if CIDR(bare) != nil, let kind = OutboundPolicy.nonPublic(bare) {
            return DoctorFinding(.problem, subject, "\(host) is a \(kind) address PSPs cannot reach: give the name the internet reaches this gateway at")
        }
        return DoctorFinding(.ok, subject, "\(url): PSPs post to \(url)/webhooks/CONNECTION")
    }
}
