import Crypto
import Foundation
import Logging
import NIOPosix
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// Who is at the console: logins checked against the operators' scrypt hashes, sessions kept in the store by the digest
/// of their token (so a leaked database holds no usable cookie), a CSRF token per session, logins rate-limited per
/// account and address, and every login, refusal and logout in the audit log.
public struct ConsoleAuth: Sendable {
    /// The session cookie's name.
    public static let cookie = "pasarela_console"

    let store: any OperatorStore
    let limiter: LoginLimiter
    /// How long a session lives from login.
    let lifetime: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger

    public init(store: any OperatorStore, limiter: LoginLimiter = LoginLimiter(), lifetime: TimeInterval = 8 * 3600,
                now: @escaping @Sendable () -> Date = Date.init, logger: Logger) {
        self.store = store
        self.limiter = limiter
        self.lifetime = lifetime
        self.now = now
        self.logger = logger
    }

    public struct Session: Sendable {
        public var token: String
        public var record: SessionRecord
        public var person: OperatorRecord

        public var role: OperatorAccounts.Role { OperatorAccounts.Role(rawValue: person.role) ?? .viewer }
        public var csrf: String { record.csrf }
    }

    public enum LoginResult: Sendable {
        case signedIn(Session)
        case refused
        case throttled(retryAfter: Int)
    }

    /// A password checked for nobody takes as long as one checked for somebody: the names of operators do not leak.
    static let decoy = (try? PasswordHash.standard.hash(UUID().uuidString)) ?? ""

    public func login(name: String, password: String, address: String) async throws -> LoginResult {
        let at = now()
        if let wait = limiter.retryAfter(account: name, address: address, now: at) {
            try await audit(name, "login.throttled", "console", "from \(address)")
            return .throttled(retryAfter: wait)
        }
        let person = try await store.operatorNamed(name)
        let encoded = person?.passwordHash
        // scrypt takes ~150 ms: on NIO's blocking pool, not on an event loop (the loops run every request).
        let matches = try await NIOThreadPool.singleton.runIfActive { PasswordHash.verify(password, against: encoded ?? Self.decoy) }
        guard let person, matches, !person.disabled else {
            limiter.failed(account: name, address: address, at: at)
            try await audit(OperatorAccounts.validName(name) ? name : "(invalid name)", "login.refused", "console",
                            person?.disabled == true ? "disabled, from \(address)" : "from \(address)")
            return .refused
        }
        limiter.succeeded(account: name)
        let token = Self.randomToken()
        let record = SessionRecord(digest: Self.digest(token), operatorName: name, csrf: Self.randomToken(), createdAt: at,
                                   expiresAt: at.addingTimeInterval(lifetime))
        try await store.addSession(record)
        try await audit(name, "login", "console", "from \(address)")
        return .signedIn(Session(token: token, record: record, person: person))
    }

    /// The living session behind a cookie's token, with an operator still enabled.
    public func session(token: String) async throws -> Session? {
        guard !token.isEmpty, token.count <= 128,
              let (record, person) = try await store.session(digest: Self.digest(token), now: now()), !person.disabled else { return nil }
        return Session(token: token, record: record, person: person)
    }

    public func logout(_ session: Session) async throws {
        try await store.endSession(digest: session.record.digest)
        try await audit(session.person.name, "logout", "console", "")
    }

    /// Whether `sent` is the session's CSRF token (constant time).
    public static func csrfMatches(_ sent: String?, _ session: Session) -> Bool {
        guard let sent else { return false }
        return ConstantTime.equals(Array(sent.utf8), Array(session.csrf.utf8))
    }

    public func audit(_ name: String, _ action: String, _ subject: String, _ detail: String) async throws {
        try await store.appendAudit(AuditEntry(at: now(), operatorName: name, action: action, subject: subject, detail: detail))
        logger.info("console", metadata: ["operator": .string(name), "action": .string(action), "subject": .string(subject)])
    }

    static func digest(_ token: String) -> String { Hex.encode(SHA256.hash(data: Array(token.utf8))) }

    /// About 250 random bits, safe in a cookie, a form field and a header.
    static func randomToken() -> String { Identifier.secret("cs", length: 43) }
}
