/// A transaction written once for both stores: statements run in order, each returning its rows (a `RETURNING`
/// clause or a `SELECT`), with the checks that stop it. What a store promises is that a plan commits whole, or not at
/// all when a stop says so.
public struct WritePlan<Result: Sendable>: Sendable {
    public enum Step: Sendable {
        case run(Statement)
        /// The statement must return a row; otherwise the plan stops.
        case expectRow(Statement, otherwise: Stop)
        /// The statement's one integer (a sum) must be at most the limit; otherwise the plan stops.
        case atMost(Statement, Int64, otherwise: Stop)
    }

    /// How a plan ends early.
    public struct Stop: Sendable {
        /// Whether what ran so far (and `then`) is committed; otherwise it is rolled back.
        public var keep: Bool
        /// Statements run after stopping, before the commit or the rollback; the last one's rows make the result.
        public var then: [Statement]
        public var result: @Sendable ([any SQLRow]) throws -> Result

        public init(keep: Bool, then: [Statement] = [], result: @escaping @Sendable ([any SQLRow]) throws -> Result) {
            self.keep = keep
            self.then = then
            self.result = result
        }
    }

    public var steps: [Step]
    /// The result when every step passed, from the last step's rows.
    public var result: @Sendable ([any SQLRow]) throws -> Result

    public init(_ steps: [Step], result: @escaping @Sendable ([any SQLRow]) throws -> Result) {
        self.steps = steps
        self.result = result
    }
}

/// Statements read together from one snapshot of the database.
public struct ReadPlan<Result: Sendable>: Sendable {
    public var statements: [Statement]
    /// Every statement finds its few rows through a unique key or an index (a payment by id, an inbox entry): cheap
    /// enough that SQLite runs it on the caller's thread instead of handing it to a reader thread and back. Scans,
    /// lists and reports leave it `false`.
    public var byKey: Bool
    public var result: @Sendable ([[any SQLRow]]) throws -> Result

    public init(_ statements: [Statement], byKey: Bool = false, result: @escaping @Sendable ([[any SQLRow]]) throws -> Result) {
        self.statements = statements
        self.byKey = byKey
        self.result = result
    }
}

/// Runs plans: one implementation per database.
public protocol SQLExecutor: Sendable {
    func write<Result: Sendable>(_ plan: WritePlan<Result>) async throws -> Result
    func read<Result: Sendable>(_ plan: ReadPlan<Result>) async throws -> Result
    /// Reads, then writes the plan made from what was read, in one transaction: what was read cannot change before the
    /// write (SQLite's one writer runs both; PostgreSQL holds the rows the read locks with `/*FOR UPDATE*/`).
    func write<Read: Sendable, Result: Sendable>(reading: ReadPlan<Read>,
                                                 then plan: @escaping @Sendable (Read) throws -> WritePlan<Result>) async throws -> Result
}

/// Carries a stopped plan's result out of a transaction that must roll back.
struct StoppedPlan<Result: Sendable>: Error {
    var result: Result
}

/// How a plan's steps go, whatever runs the statements: a step's rows decide whether the plan goes on.
enum PlanStepVerdict<Result: Sendable> {
    case next([any SQLRow])
    case stop(WritePlan<Result>.Stop)

    static func judge(_ step: WritePlan<Result>.Step, rows: [any SQLRow]) throws -> PlanStepVerdict {
        switch step {
        case .run: return .next(rows)
        case .expectRow(_, let stop): return rows.isEmpty ? .stop(stop) : .next(rows)
        case .atMost(_, let limit, let stop):
            let value = try rows.first.flatMap { try $0.int("total") } ?? 0
            return value > limit ? .stop(stop) : .next(rows)
        }
    }
}

extension WritePlan.Step {
    var statement: Statement {
        switch self {
        case .run(let statement), .expectRow(let statement, _), .atMost(let statement, _, _): statement
        }
    }
}
