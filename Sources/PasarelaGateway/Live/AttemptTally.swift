import PasarelaCore

/// How a set of PSP attempts ended: counts by outcome, declines by class, and their durations. What the console's
/// connections page shows per time window and what routing what-if shows per target.
public struct AttemptTally: Sendable, Equatable {
    public private(set) var attempts = 0
    /// Attempts the PSP took (paid or pending).
    public private(set) var accepted = 0
    public private(set) var declined = 0
    public private(set) var failed = 0
    public private(set) var unknown = 0
    /// Declines by class (`soft`, `hard`, …; `unclassified` when the PSP gave none).
    public private(set) var declines: [String: Int] = [:]
    private var durations: [Int] = []

    public init() {}

    public mutating func add(outcome: AttemptOutcome, declineClass: DeclineClass?, durationMs: Int?) {
        attempts += 1
        switch outcome {
        case .succeeded, .pending: accepted += 1
        case .declined:
            declined += 1
            declines[declineClass?.rawValue ?? "unclassified", default: 0] += 1
        case .failed: failed += 1
        case .unknown: unknown += 1
        }
        if let durationMs { durations.append(durationMs) }
    }

    public mutating func merge(_ other: AttemptTally) {
        attempts += other.attempts
        accepted += other.accepted
        declined += other.declined
        failed += other.failed
        unknown += other.unknown
        declines.merge(other.declines, uniquingKeysWith: +)
        durations += other.durations
    }

    /// Accepted among the attempts the PSP answered; `nil` with none.
    public var acceptRate: Double? {
        let answered = accepted + declined + failed
        return answered == 0 ? nil : Double(accepted) / Double(answered)
    }

    public var p50Ms: Int? { Self.percentile(durations.sorted(), 0.50) }
    public var p99Ms: Int? { Self.percentile(durations.sorted(), 0.99) }

    /// The nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Int], _ p: Double) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
