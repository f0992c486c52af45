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
        /// Odd while a flush writes; moves on when it starts and when it ends, so a reader can tell a flush crossed it.
        var generation = 0
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
        counts.withLock { state in Self.unflushed(state, connection) }
    }

    /// The store's webhook counts for a connection with this instance's unflushed repeats added: read when no flush
    /// crosses the read (a flush that commits between the two would count its repeats twice, or not at all).
    func counts(connection: String, stored: () async throws -> [String: Int]) async throws -> [String: Int] {
        var tries = 0
        while true {
            tries += 1
            let (before, unflushed) = counts.withLock { ($0.generation, Self.unflushed($0, connection)) }
            if before % 2 == 1, tries < 50 {
                try await Task.sleep(for: .milliseconds(2))   // a flush is writing: a few milliseconds
                continue
            }
            var counts = try await stored()
            guard self.counts.withLock({ $0.generation }) == before || tries >= 50 else { continue }
            if unflushed > 0 { counts["duplicate", default: 0] += unflushed }
            return counts
        }
    }

    private static func unflushed(_ state: Counts, _ connection: String) -> Int {
        (state.pending.merging(state.flushing, uniquingKeysWith: +)).reduce(0) { $1.key.connection == connection ? $0 + $1.value : $0 }
    }

    /// Adds what was counted to the store; on failure the counts wait for the next flush. One flush at a time (the
    /// service's loop, then the last one when it stops).
    public func flush() async {
        let taken = counts.withLock { state -> [InboxKey: Int] in
            guard !state.pending.isEmpty else { return [:] }
            state.flushing = state.pending
            state.pending.removeAll(keepingCapacity: true)
            state.generation += 1
            return state.flushing
        }
        guard !taken.isEmpty else { return }
        do {
            try await inbox.addDuplicates(taken)
            counts.withLock { state in
                state.flushing.removeAll()
                state.generation += 1
            }
        } catch {
            counts.withLock { state in
                state.pending.merge(state.flushing, uniquingKeysWith: +)
                state.flushing.removeAll()
                state.generation += 1
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
