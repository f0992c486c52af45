import Foundation
import Logging
import PasarelaStore
import ServiceLifecycle
import Synchronization

/// Repeats of recorded webhook events, counted in memory and added to the store once a second in one write: a
/// duplicate webhook costs a read, not a transaction (on SQLite not an fsync). The counts `GET /v1/connections` shows
/// are the store's plus this instance's unflushed ones, so an instance's own view is exact at once and every other
/// instance's within one flush interval. A graceful stop flushes; a crash loses at most the last interval's counts (of
/// repeats only: every event itself is recorded before it is answered).
public final class DuplicateCounter: Service, Sendable {
    private struct Counts {
        var pending: [InboxKey: Int] = [:]
        /// Taken by the flush running now: still shown until the store holds them.
        var flushing: [InboxKey: Int] = [:]
    }

    private let counts = Mutex(Counts())
    let inbox: any WebhookInbox
    let interval: Duration
    let logger: Logger

    public init(inbox: any WebhookInbox, interval: Duration = .seconds(1), logger: Logger) {
        self.inbox = inbox
        self.interval = interval
        self.logger = logger
    }

    func count(_ key: InboxKey) { counts.withLock { $0.pending[key, default: 0] += 1 } }

    /// This instance's repeats for a connection not yet in the store.
    public func unflushed(connection: String) -> Int {
        counts.withLock { state in
            (state.pending.merging(state.flushing, uniquingKeysWith: +)).reduce(0) { $1.key.connection == connection ? $0 + $1.value : $0 }
        }
    }

    /// Adds what was counted to the store; on failure the counts wait for the next flush. One flush at a time (the
    /// service's loop, then the last one when it stops).
    public func flush() async {
        let taken = counts.withLock { state in
            state.flushing = state.pending
            state.pending.removeAll(keepingCapacity: true)
            return state.flushing
        }
        guard !taken.isEmpty else { return }
        do {
            try await inbox.addDuplicates(taken)
            counts.withLock { $0.flushing.removeAll() }
        } catch {
            counts.withLock { state in
                state.pending.merge(state.flushing, uniquingKeysWith: +)
                state.flushing.removeAll()
            }
            logger.warning("duplicate webhook counts not written; kept for the next try", metadata: ["error": .string("\(type(of: error))")])
        }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.interval)
                await self.flush()
            }
        }
        await flush()
    }
}
