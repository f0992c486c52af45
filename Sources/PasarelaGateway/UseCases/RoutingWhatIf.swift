import Foundation
import PasarelaCore
import PasarelaRouting
import PasarelaStore

/// Routing what-if on real history: the payments of a period, read a page at a time through the store's console role,
/// replayed against a candidate rules file. Behind `pasarela routes whatif` and the console's rules page.
public struct RoutingWhatIf: Sendable {
    let history: any ConsoleQueries
    /// Payments read per statement.
    let page: Int

    public init(history: any ConsoleQueries, page: Int = 10_000) {
        self.history = history
        self.page = page
    }

    /// Replays the payments created in `[since, until)` against `candidate`.
    public func run(candidate: ConfigSnapshot, since: Date, until: Date) async throws -> WhatIfReport {
        var whatIf = WhatIf(candidate: candidate, since: since, until: until)
        let (history, page) = (history, page)
        // The next page is read while this one is replayed.
        var next = Task { try await history.history(since: since, until: until, after: nil, limit: page) }
        while true {
            let payments = try await next.value
            let full = payments.count == page
            if full, let last = payments.last?.id {
                next = Task { try await history.history(since: since, until: until, after: last, limit: page) }
            }
            for payment in payments { whatIf.add(payment) }
            guard full else { break }
        }
        return whatIf.finish()
    }

    /// A period written as `7d`, `36h` or `90m` (at most 366 days), back from now.
    public static func period(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Int(text.dropLast()), count > 0 else { return nil }
        let seconds: TimeInterval
        switch unit {
        case "d": seconds = TimeInterval(count) * 86_400
        case "h": seconds = TimeInterval(count) * 3_600
        case "m": seconds = TimeInterval(count) * 60
        default: return nil
        }
        return seconds <= 366 * 86_400 ? seconds : nil
    }
}
