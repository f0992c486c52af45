import Foundation
import PasarelaCore
import PasarelaRouting
import PasarelaStore

/// Routing what-if: stored payments replayed against a candidate rules file. Each payment is planned as the live path
/// would plan it (its merchant, its key's mode, each adapter asked whether it can carry it; breakers all closed) and its
/// candidate first choice compared with the connection it was first sent to. Weighted targets are drawn from the
/// payment's id, so a split shows as a split and the same history always gives the same answer.
public struct WhatIf: Sendable {
    let candidate: ConfigSnapshot
    let samples: Int
    var report: WhatIfReport
    var rules: [String: WhatIfReport.RuleShift] = [:]
    var moves: [WhatIfReport.Move: Int] = [:]
    var slices: [String: Set<TrafficKey>] = [:]
    var sentTo: [String: Int] = [:]
    /// What each connection did on each kind of traffic: the period's attempts, folded as they are read.
    var observed: [TrafficKey: [String: AttemptTally]] = [:]

    public init(candidate: ConfigSnapshot, since: Date, until: Date, samples: Int = 20) {
        self.candidate = candidate
        self.samples = samples
        report = WhatIfReport(since: since, until: until, candidateVersion: candidate.version)
    }

    /// Compares `payments` under `candidate` with where they went. Pure: the same inputs give the same report.
    public static func compare(_ payments: [HistoricalPayment], candidate: ConfigSnapshot, since: Date, until: Date,
                               samples: Int = 20) -> WhatIfReport {
        var run = WhatIf(candidate: candidate, since: since, until: until, samples: samples)
        for payment in payments { run.add(payment) }
        return run.finish()
    }

    /// Replays one payment (the store hands them over a page at a time; nothing of it is kept but counts).
    public mutating func add(_ payment: HistoricalPayment) {
        let key = TrafficKey(payment.request)
        report.payments += 1
        for attempt in payment.attempts {
            observed[key, default: [:]][attempt.connection, default: AttemptTally()]
                .add(outcome: attempt.outcome, declineClass: attempt.declineClass, durationMs: attempt.durationMs)
        }
        let from = payment.attempts.first?.connection ?? payment.connection ?? "(none)"
        let plan = RoutePlanner.plan(payment.request, merchant: payment.merchantId, livemode: payment.livemode, snapshot: candidate,
                                     breakers: BreakerView(), draw: Self.draw(payment.id))
        let to = plan.targets.first ?? "(none)"
        var shift = rules[plan.rule] ?? WhatIfReport.RuleShift(rule: plan.rule)
        shift.matched += 1
        if plan.targets.isEmpty {
            report.nowhere += 1
            if report.unrouted.count < samples {
                let reason = plan.rule == "(none)" ? "no rule matches" : plan.skipped.map { "\($0.name): \($0.reason)" }.joined(separator: "; ")
                report.unrouted.append(.init(paymentId: payment.id, from: from, reason: reason.isEmpty ? "the rule has no target" : reason))
            }
        } else {
            sentTo[to, default: 0] += 1
            slices[to, default: []].insert(key)
        }
        if to != from {
            report.moved += 1
            shift.moved += 1
            moves[WhatIfReport.Move(rule: plan.rule, previousRule: payment.rule ?? "(none)", from: from, to: to), default: 0] += 1
        }
        rules[plan.rule] = shift
    }

    public func finish() -> WhatIfReport {
        var report = report
        report.rules = (candidate.routes.rules.map(\.name) + ["(none)"]).compactMap { rules[$0] }
        report.moves = moves.map { WhatIfReport.MoveCount(move: $0.key, count: $0.value) }
            .sorted { ($0.count, $1.move.from, $1.move.to) > ($1.count, $0.move.from, $0.move.to) }
        report.targets = sentTo.keys.sorted().map { connection in
            var seen = AttemptTally()
            for key in slices[connection] ?? [] { if let one = observed[key]?[connection] { seen.merge(one) } }
            return WhatIfReport.Target(connection: connection, payments: sentTo[connection] ?? 0, observed: seen)
        }
        return report
    }

    /// A number in [0, 1) from the payment's id (FNV-1a): the candidate's weighted choice for that payment.
    static func draw(_ id: String) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Double(hash >> 11) / Double(UInt64(1) << 53)
    }

    struct TrafficKey: Hashable, Sendable {
        var country: String
        var currency: String
        var method: String

        init(_ request: PaymentRequest) {
            country = request.country
            currency = request.amount.currency.code
            method = request.method.type.rawValue
        }
    }
}
