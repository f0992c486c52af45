import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// `POST /v1/payments/{id}/capture`.
final class CapturePayment: Sendable {
    let payments: any PaymentLedger
    let writer: PaymentWriter
    let psp: PSPClient
    let live: LiveConfigs
    let keys: CommandKeys
    let logger: Logger
    let now: @Sendable () -> Date

    init(payments: any PaymentLedger, writer: PaymentWriter, psp: PSPClient, live: LiveConfigs, keys: CommandKeys, logger: Logger,
         now: @escaping @Sendable () -> Date) {
        self.payments = payments
        self.writer = writer
        self.psp = psp
        self.live = live
        self.keys = keys
        self.logger = logger
        self.now = now
    }

    /// Captures an authorized card payment, all of it or `amount`, at the PSP that
    /// authorized it. The capture is recorded before the PSP hears of it; a PSP that confirms at once (dLocal) makes the
    /// payment `succeeded` now, one that accepts it for later (Checkout, 202) leaves `pending_capture` until its
    /// `payment_captured`; a refusal leaves the payment authorized (``CommandError/captureRefusedByPSP(connection:code:message:)``).
    func run(_ command: CapturePaymentCommand) async throws -> CommandAnswer<StoredPayment> {
        let (id, merchant, replies) = (command.paymentId, command.merchant, keys.replies)
        let captureId = command.idempotency.map { Identifier.derived("cap", merchant: merchant.id, key: $0.key) } ?? Identifier.make("cap")
        return try await keys.run(on: id, merchant: merchant, key: command.idempotency, operation: "capture", payments: payments,
                                  abandoned: { try await keys.current(id, merchant: merchant, in: payments) },
                                  render: { replies.payment($0, .done) }) { stored in
            try await self.capture(stored, amount: command.amount, captureId: captureId)
        }
    }

    func capture(_ stored: StoredPayment, amount requested: Money?, captureId: String) async throws -> StoredPayment {
        let payment = stored.payment
        let amount = requested ?? payment.request.amount
        guard let attempt = stored.lastAttempt, let pspId = attempt.pspPaymentId ?? payment.pspPaymentId,
              let connection = live.current.connections[attempt.connection] else {
            throw CommandError.captureRefused(.notAuthorized(payment.status), payment)
        }
        if let refusal = PaymentMachine.captureCheck(stored, amount: amount) { throw CommandError.captureRefused(refusal, payment) }
        guard let flow = connection.adapter.capture else {
            throw CommandError.captureRefused(.unsupported(connection: connection.config.name), payment)
        }
        let requestedCapture = try await writer.apply(.captureRequested(amount), to: payment.id, current: stored)
        guard requestedCapture.stored.payment.pendingCapture == amount else {
            let refusal = PaymentMachine.captureCheck(requestedCapture.stored, amount: amount) ?? .alreadyPending
            throw CommandError.captureRefused(refusal, requestedCapture.stored.payment)
        }
        let input = CaptureInput(paymentId: payment.id, pspPaymentId: pspId, attemptId: attempt.id, amount: amount,
                                 full: amount == payment.request.amount, captureId: captureId, now: now())
        let outcome = await psp.call(PSPCall(flow: .capture, build: { context throws(AdapterError) in try flow.buildCapture(input, context: context) },
                                             read: { flow.parseCapture($0, input: input) },
                                             failed: { CaptureOutcome(result: $0.outcome == .failed ? .refused : .unknown, errorCode: $0.errorCode,
                                                                      errorMessage: $0.errorMessage) }),
                                     on: connection, about: CallSubject(paymentId: payment.id, attemptId: attempt.id))
        let answered = try await writer.apply(.captureAnswered(outcome), to: payment.id)
        logger.info("capture", metadata: ["payment": .string(payment.id), "connection": .string(connection.config.name),
                                          "result": .string(outcome.result.rawValue)])
        if outcome.result == .refused {
            throw CommandError.captureRefusedByPSP(connection: connection.config.name, code: outcome.errorCode, message: outcome.errorMessage)
        }
        return answered.stored
    }
}
