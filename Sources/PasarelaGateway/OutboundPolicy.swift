import Foundation
import PasarelaRouting
#if canImport(Glibc)
import Glibc
#endif

/// Where Pasarela may send what a merchant asks it to (`notification_url`): checked when the URL is given and again when
/// it is called, after DNS resolution. http(s) only; link-local (cloud metadata), multicast and unspecified addresses
/// and the gateway's own listen addresses are always refused; loopback and private ranges are refused in production
/// unless `outbound.allow` in routes.yaml lists them (in sandbox they are allowed, for local receivers).
public struct OutboundPolicy: Sendable {
    public var config: OutboundConfig
    /// Whether private and loopback addresses are allowed when the config does not say.
    public var sandbox: Bool
    /// The gateway's own listen addresses (host, port).
    public var own: [(host: String, port: Int)]

    public init(config: OutboundConfig, sandbox: Bool, own: [(host: String, port: Int)] = []) {
        self.config = config
        self.sandbox = sandbox
        self.own = own
    }

    static let linkLocal = ["169.254.0.0/16", "fe80::/10"].compactMap(CIDR.init)
    static let multicast = ["224.0.0.0/4", "ff00::/8"].compactMap(CIDR.init)
    static let unspecified = ["0.0.0.0/8", "::/128"].compactMap(CIDR.init)
    static let loopback = ["127.0.0.0/8", "::1/128"].compactMap(CIDR.init)
    static let privateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"].compactMap(CIDR.init)

    /// The kind of a literal address the internet cannot reach (`link-local`, `multicast`, `unspecified`, `loopback`,
    /// `private`), or `nil` for a public one.
    public static func nonPublic(_ address: String) -> String? {
        let kinds = [("link-local", linkLocal), ("multicast", multicast), ("unspecified", unspecified), ("loopback", loopback),
                     ("private", privateRanges)]
        return kinds.first { $0.1.contains { $0.contains(address) } }?.0
    }

    /// Why `url` may not be called, or `nil` when it may. Resolves the host (a literal address as it is).
    public func refusal(_ url: String) async -> String? { await check(url)?.message }

    /// Why `url` may not be called now.
    public enum Refusal: Sendable, Equatable {
        /// The policy refuses where it points (its scheme, or an address it resolves to): calling again will not change
        /// that until someone changes the URL, its DNS or the policy.
        case notAllowed(String)
        /// Its host does not resolve now: perhaps a passing DNS failure.
        case unresolved(String)

        public var message: String { switch self { case .notAllowed(let text), .unresolved(let text): text } }
    }

    /// Why `url` may not be called, or `nil` when it may, saying whether the policy refuses it or its host did not
    /// resolve.
    public func check(_ url: String) async -> Refusal? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return .notAllowed("only http and https URLs are called")
        }
        guard var host = parsed.host, !host.isEmpty else { return .notAllowed("the URL names no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = parsed.port ?? (scheme == "https" ? 443 : 80)
        let addresses = CIDR(host) != nil ? [host] : await Self.resolve(host)
        guard !addresses.isEmpty else { return .unresolved("its host \(host.prefix(100)) does not resolve") }
        for address in addresses {
            if let reason = refusal(address: address, port: port, host: host) { return .notAllowed(reason) }
        }
        return nil
    }

    /// Why one resolved address may not be called, or `nil`.
    func refusal(address: String, port: Int, host: String) -> String? {
        let shown = host == address ? address : "\(host.prefix(100)) (\(address))"
        if Self.linkLocal.contains(where: { $0.contains(address) }) { return "\(shown) is a link-local address" }
        if Self.multicast.contains(where: { $0.contains(address) }) { return "\(shown) is a multicast address" }
        if Self.unspecified.contains(where: { $0.contains(address) }) { return "\(shown) is an unspecified address" }
        let isLoopback = Self.loopback.contains { $0.contains(address) }
        for listen in own where listen.port == port {
            // Listening everywhere or on loopback, the gateway answers on loopback; listening on one address, on that one.
            let wildcard = listen.host == "0.0.0.0" || listen.host == "::" || listen.host.isEmpty
            let onLoopback = wildcard || listen.host == "localhost" || Self.loopback.contains { $0.contains(listen.host) }
            if listen.host == address || (isLoopback && onLoopback) { return "\(shown):\(port) is this gateway itself" }
        }
        let isPrivate = Self.privateRanges.contains { $0.contains(address) }
        guard isLoopback || isPrivate else { return nil }
        if config.allow.contains(where: { $0.contains(address) }) { return nil }
        guard config.privateAddresses ?? sandbox else {
            return "\(shown) is a \(isLoopback ? "loopback" : "private") address (list it under outbound.allow in routes.yaml to allow it)"
        }
        return nil
    }

    /// The host's addresses, IPv4 and IPv6, as text; empty when it does not resolve.
    static func resolve(_ host: String) async -> [String] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: addresses(host)) }
        }
    }

    static func addresses(_ host: String) -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var result: [String] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                // A scoped IPv6 address (fe80::1%eth0) is checked without its scope.
                let address = text.split(separator: "%").first.map(String.init) ?? text
                if !result.contains(address) { result.append(address) }
            }
            cursor = entry.pointee.ai_next
        }
        return result
    }
}
