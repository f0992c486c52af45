import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaStore
import ServiceLifecycle

/// Runs the ``Reconciler`` every `interval` in the gateway's service group.
public final class ReconcilerService: Service, Sendable {
    let reconciler: Reconciler
    let interval: Duration
    let logger: Logger

    public init(reconciler: Reconciler, interval: Duration = .seconds(5), logger: Logger) {
        self.reconciler = reconciler
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // Small batches, so their looks end within the claim's lease (a look that runs past it may be repeated by
                // another instance, which is harmless: lookups and replays are idempotent, facts land by compare-and-set);
                // full batches are followed by the next one at once.
                var report: ReconcileReport
                repeat {
                    report = await self.reconciler.reconcileDue(limit: 25)
                    for action in report.actions { self.logger.info("reconciler", metadata: action.metadata) }
                    for failure in report.failures {
                        self.logger.warning("reconciler could not settle a payment", metadata: ["payment": .string(failure.paymentId),
                                                                                               "error": .string(failure.message)])
                    }
                } while report.looked == 25 && !Task.isCancelled
                try await Task.sleep(for: self.interval)
            }
        }
    }
}

/// What one reconciler pass did.
public struct ReconcileReport: Sendable {
    public var looked = 0
    public var actions: [ReconcileAction] = []
    public var failures: [(paymentId: String, message: String)] = []

    /// One line per action, for `pasarela reconcile --once`.
    public var lines: [String] {
        actions.map { "\($0.paymentId)  \($0.step.rawValue)  \($0.detail)" }
            + failures.map { "\($0.paymentId)  error  \($0.message)" }
    }
}

/// One thing the reconciler did to one payment.
public struct ReconcileAction: Sendable, Equatable {
    public var paymentId: String
    public var step: ReconcileStep
    /// What came of it, as a label: `moved`, `recorded`, `flagged`, `no_news`, `canceled`, or why nothing changed.
    public var outcome: String
    /// What came of it, for people.
    public var detail: String
    /// The status the payment moved to, when it moved.
    public var reached: PaymentStatus?

    var metadata: Logger.Metadata {
        ["payment": .string(paymentId), "step": .string(step.rawValue), "outcome": .string(outcome), "detail": .string(detail)]
    }
}

/// The reconciler's steps, as log fields and metric labels.
public enum ReconcileStep: String, Sendable {
    /// Asked the PSP (lookup or identical replay) about an open payment.
    case asked
    /// The payment never reached a PSP: ended `failed`.
    case interrupted
    /// The last attempt had failed before a crash: the payment ends as that attempt did.
    case endedAsAttempted = "ended_as_attempted"
    /// Bounded looks learnt nothing: ended `failed` (`outcome_unresolved`).
    case gaveUp = "gave_up"
    /// A voucher past its expiry, confirmed and canceled at the PSP where possible.
    case expired
    /// A second PSP payment under one reference, canceled there.
    case duplicateCanceled = "duplicate_canceled"
    /// Asked the PSP where a pending refund stands.
    case refundAsked = "refund_asked"
}

