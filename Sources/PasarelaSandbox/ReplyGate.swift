import Foundation
import Synchronization

/// Holds an emulator's API replies until released, so a test can fix the order of a PSP's answer and its webhooks:
/// the PSP has processed the request (and queued its notifications), but the caller has not heard back yet.
public final class ReplyGate: Sendable {
    private struct State {
        var holding = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Replies from now on wait for ``release(_:)``.
    public func hold() { state.withLock { $0.holding = true } }

    /// Replies waiting now.
    public var heldCount: Int { state.withLock { $0.waiters.count } }

    /// Lets the first `count` held replies go (all of them when `nil`), oldest first; holding stops when all are gone.
    /// - Returns: how many were released.
    @discardableResult
    public func release(_ count: Int? = nil) -> Int {
        let released: [CheckedContinuation<Void, Never>] = state.withLock { state in
            let taken = Array(state.waiters.prefix(count ?? state.waiters.count))
            state.waiters.removeFirst(taken.count)
            if count == nil { state.holding = false }
            return taken
        }
        for waiter in released { waiter.resume() }
        return released.count
    }

    /// Stops holding new replies; those held stay held until released.
    public func stopHolding() { state.withLock { $0.holding = false } }

    /// Stops holding and releases everything.
    public func open() {
        state.withLock { $0.holding = false }
        release()
    }

    /// Called by an API route before it answers: returns at once unless replies are held.
    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let go: Bool = state.withLock { state in
                guard state.holding else { return true }
                state.waiters.append(continuation)
                return false
            }
            if go { continuation.resume() }
        }
    }
}
