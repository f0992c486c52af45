import Metrics

/// The store's own metric: how long a write takes to be durable.
enum StoreMetrics {
    static func commit(store: String, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        MetricHandles.timer("pasarela_db_commit_duration_seconds", [("store", store)])
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    /// A transaction the database aborted to break a deadlock or a serialization conflict, run again.
    static func conflictRetried(store: String) {
        MetricHandles.counter("pasarela_db_conflicts_retried_total", [("store", store)]).increment()
    }
}
