import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Posts a PSP's notifications, retrying a few times on failure as PSPs do (at least once), and misbehaving on
/// request so tests can see the gateway cope: duplicates, holding and releasing out of order, dropping, delaying.
public final class WebhookSender: Sendable {
    /// What one delivery did.
    public struct Delivery: Sendable {
        public var url: String?
        /// The last HTTP status received, or `nil` when the receiver could not be reached (or nothing was sent).
        public var status: Int?
        public var error: String?
        public var tries: Int

        public var json: [String: Any] {
            ["url": url as Any? ?? NSNull(), "status": status as Any? ?? NSNull(), "error": error as Any? ?? NSNull(), "tries": tries]
        }
    }

    /// How the next notifications are sent.
    public struct Behaviour: Sendable, Equatable {
        /// Each notification is sent this many times.
        public var duplicates = 1
        /// The next this-many notifications are never sent.
        public var dropNext = 0
        /// Notifications are kept until released.
        public var hold = false
        /// Wait before sending.
        public var delayMs = 0
        public init(duplicates: Int = 1, dropNext: Int = 0, hold: Bool = false, delayMs: Int = 0) {
            self.duplicates = duplicates
            self.dropNext = dropNext
            self.hold = hold
            self.delayMs = delayMs
        }
    }

    struct Pending: Sendable {
        var url: String?
        var headers: [(String, String)]
        var body: [UInt8]
    }

    let attempts = 3
    let firstBackoffMs = 100
    private let behaviour = Mutex(Behaviour())
    private let held = Mutex<[Pending]>([])
    private let answered = Mutex<[Int: Int]>([:])

    public init() {}

    /// How many times each HTTP status came back to a notification try since start: what the receiver answered.
    public var answers: [Int: Int] { answered.withLock { $0 } }

    public func set(_ value: Behaviour) { behaviour.withLock { $0 = value } }
    public var current: Behaviour { behaviour.withLock { $0 } }
    /// Notifications held, oldest first.
    public var heldCount: Int { held.withLock { $0.count } }

    /// Sends the held notifications, in the order they were made or reversed, and stops holding. With `count`, sends
    /// only that many (the oldest, or the newest when reversed) and keeps holding the rest.
    public func release(reversed: Bool, count: Int? = nil, client: HTTPClient = .shared) async -> [Delivery] {
        let pending: [Pending] = held.withLock { list in
            let take = min(count ?? list.count, list.count)
            let taken = reversed ? Array(list.suffix(take)) : Array(list.prefix(take))
            if reversed { list.removeLast(take) } else { list.removeFirst(take) }
            return taken
        }
        if count == nil { behaviour.withLock { $0.hold = false } }
        var deliveries: [Delivery] = []
        for item in reversed ? pending.reversed() : pending {
            deliveries.append(await post(item, client: client))
        }
        return deliveries
    }

    /// Sends one notification according to the current behaviour.
    func deliver(to url: String?, headers: [(String, String)], body: [UInt8], client: HTTPClient = .shared) async -> Delivery {
        let item = Pending(url: url, headers: headers, body: body)
        enum Plan { case drop, hold(copies: Int), send(copies: Int, delayMs: Int) }
        let plan: Plan = behaviour.withLock { mode in
            if mode.dropNext > 0 {
                mode.dropNext -= 1
                return .drop
            }
            if mode.hold { return .hold(copies: mode.duplicates) }
            return .send(copies: mode.duplicates, delayMs: mode.delayMs)
        }
        switch plan {
        case .drop: return Delivery(url: url, status: nil, error: "dropped on request", tries: 0)
        case .hold(let copies):
            // Each copy is held on its own, so a release sends the duplicates too (in the order asked).
            held.withLock { $0.append(contentsOf: Array(repeating: item, count: max(copies, 1))) }
            return Delivery(url: url, status: nil, error: "held until released", tries: 0)
        case .send(let copies, let delayMs):
            if delayMs > 0 { try? await Task.sleep(for: .milliseconds(delayMs)) }
            var first = await post(item, client: client)
            for _ in 1..<max(copies, 1) { first.tries += await post(item, client: client).tries }
            return first
        }
    }

    func post(_ item: Pending, client: HTTPClient) async -> Delivery {
        guard let url = item.url else { return Delivery(url: nil, status: nil, error: "no notification URL", tries: 0) }
        var delivery = Delivery(url: url, status: nil, error: nil, tries: 0)
        for attempt in 0..<attempts {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(firstBackoffMs << (attempt - 1))) }
            delivery.tries += 1
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            for (name, value) in item.headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: item.body))
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 16)
                delivery.status = Int(response.status.code)
                answered.withLock { $0[Int(response.status.code), default: 0] += 1 }
                delivery.error = nil
                if (200..<300).contains(delivery.status!) { return delivery }
            } catch {
                delivery.error = "\(error)"
            }
        }
        return delivery
    }
}

/// Random ids in the PSPs' styles.
enum EmulatorIds {
    static let base32 = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// `pay_` + 26 base-32 characters, as Checkout writes them.
    static func checkout(_ prefix: String) -> String {
        prefix + "_" + String((0..<26).map { _ in base32.randomElement()! })
    }
}
