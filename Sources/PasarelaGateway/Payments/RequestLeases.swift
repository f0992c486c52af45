import Foundation
import Logging
import PasarelaStore
import Synchronization

/// How long a request (a create, or a cancel, capture or refund) holds its payment and its idempotency key: short, and
/// renewed while the request runs. A retry with the key meanwhile is told the request is in flight; once an instance
/// dies, its hold ends within one lease and another instance takes the work over (the reconciler, or the retry itself).
public struct RequestLease: Sendable {
    /// How far each renewal pushes the hold.
    public var duration: TimeInterval
    /// How often the running requests' holds are renewed; `nil` never (tests that stand for a dead instance in process).
    public var renewEvery: Duration?

    public init(duration: TimeInterval = 15, renewEvery: Duration? = .seconds(5)) {
        self.duration = duration
        self.renewEvery = renewEvery
    }
}

/// The holds of the requests running in this instance, renewed together: one write every ``RequestLease/renewEvery``
/// for all of them, by one task that runs only while some request holds something.
final class LeaseKeeper: Sendable {
    private struct State {
        var held: [UInt64: LeaseHold] = [:]
        var next: UInt64 = 0
        var renewing = false
    }
    private let state = Mutex(State())

    /// Holds `hold` until the returned token is let go.
    func hold(_ hold: LeaseHold) -> (token: UInt64, startRenewing: Bool) {
        state.withLock { state in
            state.next += 1
            state.held[state.next] = hold
            let start = !state.renewing
            state.renewing = true
            return (state.next, start)
        }
    }

    func letGo(_ token: UInt64) { state.withLock { _ = $0.held.removeValue(forKey: token) } }

    /// What to renew now; `nil` (and the renewing task stops) when nothing is held any more.
    func due() -> [LeaseHold]? {
        state.withLock { state in
            guard !state.held.isEmpty else {
                state.renewing = false
                return nil
            }
            return Array(state.held.values)
        }
    }
}

/// The holds of this instance's running requests on their keys and payments: taken while a request runs, renewed
/// together, let go when it ends.
final class RequestLeases: Sendable {
    let lease: RequestLease
    let keys: any IdempotencyKeys
    let keeper = LeaseKeeper()
    let logger: Logger
    let now: @Sendable () -> Date

    init(lease: RequestLease, keys: any IdempotencyKeys, logger: Logger, now: @escaping @Sendable () -> Date) {
        self.lease = lease
        self.keys = keys
        self.logger = logger
        self.now = now
    }

    /// When a hold taken now ends, unless renewed.
    var until: Date { now().addingTimeInterval(lease.duration) }

    /// Runs `body` while this instance renews the request's hold on `key` (and on the payment, for a create). A renewal
    /// that fails is logged and tried again at the next tick; the hold then lapses only if the instance cannot reach
    /// the database for a whole lease.
    func keeping<T: Sendable>(merchantId: String, key: String?, paymentId: String?,
                              _ body: () async throws -> T) async throws -> T {
        guard let every = lease.renewEvery, key != nil || paymentId != nil else { return try await body() }
        let (token, start) = keeper.hold(LeaseHold(merchantId: merchantId, key: key, paymentId: paymentId))
        defer { keeper.letGo(token) }
        if start { Task { await self.renew(every: every) } }
        return try await body()
    }

    /// Renews every running request's hold each `every`, until none is held.
    func renew(every: Duration) async {
        while true {
            try? await Task.sleep(for: every)
            guard let holds = keeper.due() else { return }
            do {
                try await keys.renewLeases(holds, until: until)
            } catch {
                logger.warning("request leases not renewed", metadata: ["holds": .stringConvertible(holds.count), "error": .string("\(type(of: error))")])
            }
        }
    }
}
