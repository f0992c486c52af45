import Foundation
import PasarelaCore

/// What a candidate rules file would have done to the payments of a period.
public struct WhatIfReport: Sendable, Equatable {
    public var since: Date
    public var until: Date
    public var candidateVersion: String
    /// Payments replayed.
    public var payments = 0
    /// Payments whose candidate first choice differs from where they were first sent.
    public var moved = 0
    /// Payments the candidate would send nowhere (no rule matches, or every target is skipped).
    public var nowhere = 0
    /// Per candidate rule, in the file's order (then `(none)`).
    public var rules: [RuleShift] = []
    /// Who moves where, most first.
    public var moves: [MoveCount] = []
    /// Some of the payments sent nowhere, with why.
    public var unrouted: [Unrouted] = []
    /// Each connection the candidate sends payments to, with what it did on that kind of traffic in the period.
    public var targets: [Target] = []

    public init(since: Date, until: Date, candidateVersion: String) {
        self.since = since
        self.until = until
        self.candidateVersion = candidateVersion
    }

    public struct RuleShift: Sendable, Equatable {
        public var rule: String
        public var matched = 0
        public var moved = 0
    }

    public struct Move: Sendable, Hashable {
        /// The candidate rule that matched.
        public var rule: String
        /// The rule the payment was routed by.
        public var previousRule: String
        public var from: String
        public var to: String
    }

    public struct MoveCount: Sendable, Equatable {
        public var move: Move
        public var count: Int
    }

    public struct Unrouted: Sendable, Equatable {
        public var paymentId: String
        public var from: String
        public var reason: String
    }

    /// A connection's observed record on the slice of traffic the candidate sends it (same country, currency and
    /// method), over the period's attempts.
    public struct Target: Sendable, Equatable {
        public var connection: String
        /// Payments the candidate sends it first.
        public var payments: Int
        /// Its attempts on that traffic in the period.
        public var observed: AttemptTally
    }
}

extension WhatIfReport {
    /// The report as text, for the CLI.
    public var text: String {
        var lines = ["What-if \(candidateVersion) on \(payments) payments created \(Timestamps.utc(since)) .. \(Timestamps.utc(until))",
                     "  would move \(moved), send nowhere \(nowhere)", "", "rule                             matched   moved"]
        for rule in rules { lines.append(rule.rule.padded(32) + " " + String(rule.matched).leftPadding(7) + " " + String(rule.moved).leftPadding(7)) }
        if !moves.isEmpty {
            lines += ["", "moves (candidate rule, routed by: from -> to)"]
            for move in moves {
                lines.append("  \(String(move.count).leftPadding(6))  \(move.move.rule) (was \(move.move.previousRule)): \(move.move.from) -> \(move.move.to)")
            }
        }
        if !targets.isEmpty {
            lines += ["", "target                 payments  attempts  accepted  declines                 p50 ms  p99 ms"]
            for target in targets {
                let rate = target.observed.acceptRate.map { String(format: "%.1f %%", $0 * 100) } ?? "n/a"
                let declines = target.observed.declines.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                lines.append(target.connection.padded(22) + " " + String(target.payments).leftPadding(8) + "  "
                             + String(target.observed.attempts).leftPadding(8) + "  " + rate.leftPadding(8) + "  "
                             + (declines.isEmpty ? "-" : declines).padded(23) + " " + (target.observed.p50Ms.map(String.init) ?? "-").leftPadding(6)
                             + "  " + (target.observed.p99Ms.map(String.init) ?? "-").leftPadding(6))
            }
        }
        if !unrouted.isEmpty {
            lines += ["", "sent nowhere (first \(unrouted.count))"]
            lines += unrouted.map { "  \($0.paymentId) (was \($0.from)): \($0.reason)" }
        }
        return lines.joined(separator: "\n")
    }

    /// The report as JSON, for `--json` and the console.
    public var json: JSONValue {
        .object([
            "since": .string(Timestamps.utc(since)), "until": .string(Timestamps.utc(until)),
            "candidate_version": .string(candidateVersion), "payments": .int(Int64(payments)), "moved": .int(Int64(moved)),
            "nowhere": .int(Int64(nowhere)),
            "rules": .array(rules.map { .object(["rule": .string($0.rule), "matched": .int(Int64($0.matched)), "moved": .int(Int64($0.moved))]) }),
            "moves": .array(moves.map {
                .object(["rule": .string($0.move.rule), "previous_rule": .string($0.move.previousRule), "from": .string($0.move.from),
                         "to": .string($0.move.to), "count": .int(Int64($0.count))])
            }),
            "unrouted": .array(unrouted.map { .object(["payment": .string($0.paymentId), "from": .string($0.from), "reason": .string($0.reason)]) }),
            "targets": .array(targets.map { target in
                let seen = target.observed
                var fields: [String: JSONValue] = [
                    "connection": .string(target.connection), "payments": .int(Int64(target.payments)),
                    "attempts": .int(Int64(seen.attempts)), "accepted": .int(Int64(seen.accepted)),
                    "declined": .int(Int64(seen.declined)), "failed": .int(Int64(seen.failed)), "unknown": .int(Int64(seen.unknown)),
                    "declines": .object(seen.declines.mapValues { .int(Int64($0)) }),
                ]
                fields["p50_ms"] = seen.p50Ms.map { .int(Int64($0)) } ?? .null
                fields["p99_ms"] = seen.p99Ms.map { .int(Int64($0)) } ?? .null
                return .object(fields)
            }),
        ])
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
