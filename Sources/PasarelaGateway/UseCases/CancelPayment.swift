import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// What a cancel did: the payment after it, and whether its PSP confirmed (or only accepted, to confirm later).
public struct CancelOutcome: Sendable {
    public var stored: StoredPayment
    public var confirmed: Bool
}

/// `POST /v1/payments/{id}/cancel`.
final class CancelPayment: Sendable {
    let payments: any PaymentLedger
    let writer: PaymentWriter
    let psp: PSPClient
    let live: LiveConfigs
    let keys: CommandKeys
    let logger: Logger

    init(payments: any PaymentLedger, writer: PaymentWriter, psp: PSPClient, live: LiveConfigs, keys: CommandKeys, logger: Logger) {
        self.payments = payments
        self.writer = writer
        self.psp = psp
        self.live = live
        self.keys = keys
        self.logger = logger
    }

    /// Cancels an unpaid voucher or voids an uncaptured card payment at its PSP, then
    /// states the PSP's confirmation as a fact: 200 with the payment `canceled`. A PSP that confirms later (Checkout's
    /// void) answers 202: the payment stays `authorized` with `pending_cancel` until the PSP's notification or a lookup
    /// confirms it, or its refusal clears it (`payment.cancel_failed`). A payment that is paid, ended or not yet settled
    /// is refused; a PSP that gives no answer leaves the payment as it was (safe to retry with the same key).
    func run(_ command: CancelPaymentCommand) async throws -> CommandAnswer<CancelOutcome> {
        let (id, merchant, replies) = (command.paymentId, command.merchant, keys.replies)
        return try await keys.run(on: id, merchant: merchant, key: command.idempotency, operation: "cancel", payments: payments,
                                  abandoned: { try await keys.current(id, merchant: merchant, in: payments) },
                                  render: { replies.payment($0.stored, $0.confirmed ? .done : .accepted) }, cancel)
    }

    func cancel(_ stored: StoredPayment) async throws -> CancelOutcome {
        let payment = stored.payment
        let attempt: Attempt
        switch PaymentMachine.cancellation(of: stored) {
        case .allowed(let allowed): attempt = allowed
        case .refused(let refusal): throw CommandError.cancelRefused(refusal, payment)
        }
        guard let connection = live.current.connections[attempt.connection], let flow = connection.adapter.cancel,
              flow.cancels(payment.request.method.type, status: payment.status) else {
            throw CommandError.cancelRefused(.unsupported(connection: attempt.connection), payment)
        }
        let pspId = attempt.pspPaymentId ?? payment.pspPaymentId ?? ""
        // The intent is on disk before the PSP hears of it, so its confirmation, whichever way it comes first, ends the
        // payment canceled by the merchant.
        let requested = try await writer.apply(.cancelRequested(.merchant), to: payment.id, current: stored)
        guard requested.stored.payment.pendingCancel == .merchant else {
            // It moved meanwhile (paid, ended): no cancel goes to the PSP.
            throw CommandError.cancelRefused(PaymentMachine.cancellation(of: requested.stored).refusal ?? .alreadyEnded(requested.stored.payment.status),
                                             requested.stored.payment)
        }
        let answer = await psp.cancel(attempt, pspPaymentId: pspId, connection: connection)
        switch answer {
        case .canceled, .accepted: break
        case .refused, .failed: _ = try await writer.apply(.cancelAbandoned, to: payment.id)
        }
        switch answer {
        case .accepted:
            // Asked, not done: the PSP confirms (or declines) later. The payment shows the cancel pending until then.
            logger.info("payment cancel asked", metadata: ["payment": .string(payment.id), "connection": .string(connection.config.name)])
            guard let current = try await payments.payment(id: payment.id, merchantId: nil) else { throw GatewayFailure.paymentVanished(payment.id) }
            return CancelOutcome(stored: current, confirmed: current.payment.status == .canceled)
        case .canceled:
            let applied = try await writer.apply(.canceledByMerchant, to: payment.id)
            logger.info("payment canceled", metadata: ["payment": .string(payment.id), "connection": .string(connection.config.name)])
            guard applied.stored.payment.status == .canceled else {
                throw CommandError.cancelRefused(PaymentMachine.cancellation(of: applied.stored).refusal ?? .alreadyEnded(applied.stored.payment.status),
                                                 applied.stored.payment)
            }
            return CancelOutcome(stored: applied.stored, confirmed: true)
        case .refused(let code, let message):
            // The PSP will not cancel: learn why (paid meanwhile?) and tell the merchant the payment as it is.
            let inquiry = await psp.inquire(attempt, payment: payment, connection: connection, timeoutMs: connection.config.requestTimeoutMs)
            if case .found(let outcomes) = inquiry.answer {
                let applied = try await writer.apply(.lookupFound(attemptId: attempt.id, answer: outcomes[0]), to: payment.id)
                if applied.stored.payment.status == .succeeded { throw CommandError.cancelRefused(.alreadySucceeded, applied.stored.payment) }
            }
            throw CommandError.cancelRefusedByPSP(connection: connection.config.name, code: code, message: message)
        case .failed(_, let message):
            throw CommandError.cancelUnconfirmed(connection: connection.config.name, message: message)
        }
    }
}

extension CancelCheck {
    var refusal: CancelRefusal? { if case .refused(let refusal) = self { refusal } else { nil } }
}
