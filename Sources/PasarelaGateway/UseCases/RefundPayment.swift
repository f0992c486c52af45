import Foundation
import Logging
import PasarelaAdapters
import PasarelaCore
import PasarelaStore

/// `POST /v1/payments/{id}/refunds`.
final class RefundPayment: Sendable {
    let payments: any PaymentLedger & RefundQueries
    let writer: PaymentWriter
    let psp: PSPClient
    let live: LiveConfigs
    let keys: CommandKeys
    let logger: Logger
    let now: @Sendable () -> Date

    init(payments: any PaymentLedger & RefundQueries, writer: PaymentWriter, psp: PSPClient, live: LiveConfigs, keys: CommandKeys, logger: Logger,
         now: @escaping @Sendable () -> Date) {
        self.payments = payments
        self.writer = writer
        self.psp = psp
        self.live = live
        self.keys = keys
        self.logger = logger
        self.now = now
    }

    /// Gives back all that is left to refund, or `amount` of it, through the connection
    /// that took the payment. The refund joins the payment (pending) by compare-and-set, so refunds never add up to more
    /// than was captured, whatever arrives at once; then its PSP is asked. A refund the PSP refuses is still a refund:
    /// 201 with status `failed` and the PSP's reason.
    func run(_ command: RefundPaymentCommand) async throws -> CommandAnswer<Refund> {
        let (merchant, replies) = (command.merchant, keys.replies)
        // A key names its refund, so a retry after a crash finds the refund its first request made.
        let refundId = command.idempotency.map { Identifier.derived("re", merchant: merchant.id, key: $0.key) } ?? Identifier.make("re")
        return try await keys.run(on: command.paymentId, merchant: merchant, key: command.idempotency, operation: "refund", payments: payments,
                                  abandoned: {
            // The key's first request died: its refund, as it stands, is the answer; none made means none, so go on.
            try await payments.refund(id: refundId, merchantId: merchant.id).map(replies.refund)
        }, render: replies.refund) { stored in
            try await self.refund(stored, id: refundId, command: command)
        }
    }

    func refund(_ stored: StoredPayment, id: String, command: RefundPaymentCommand) async throws -> Refund {
        let payment = stored.payment
        guard let attempt = stored.lastAttempt, let pspId = attempt.pspPaymentId ?? payment.pspPaymentId,
              let connection = live.current.connections[attempt.connection] else {
            throw CommandError.refundRefused(.notRefundable(payment.status), payment)
        }
        guard let flow = connection.adapter.refund else { throw CommandError.refundRefused(.unsupported(connection: attempt.connection), payment) }
        if let account = command.bankAccount, let problem = BankAccountRules.problem(account, country: payment.request.country) {
            // Before anything is written or sent: the PSP would refuse it later, or ask the payer again by e-mail.
            throw CommandError.bankAccountInvalid(field: problem.field, message: problem.message)
        }
        let remaining = Money(minorUnits: stored.captured.minorUnits - stored.amountRefunded.minorUnits, currency: payment.request.amount.currency)
        let amount = command.amount ?? remaining
        if let refusal = PaymentMachine.refundCheck(stored, amount: amount) { throw CommandError.refundRefused(refusal, payment) }
        guard amount.minorUnits > 0 else { throw CommandError.refundRefused(.exceedsRemaining(remaining: remaining), payment) }
        let at = now()
        let refund = Refund(id: id, paymentId: payment.id, amount: amount, reason: command.reason, connection: connection.config.name,
                            bankAccount: command.bankAccount, createdAt: at, updatedAt: at)
        // The refund is on disk, checked against what is left, before the PSP hears of it.
        // Refunds arriving together are decided one after another on the payment as it stands (see `apply`): a refund
        // beyond what is left by then is refused with what is left then.
        let requested = try await writer.apply(.refundRequested(refund), to: payment.id, current: stored)
        if case .unchanged(.refundRefused(let refusal)) = requested.decision.verdict { throw CommandError.refundRefused(refusal, requested.stored.payment) }
        guard requested.result == .committed, requested.stored.refund(id) != nil else {
            // The store's own ceiling check refused what the machine allowed: refunds written past the machine. Say what
            // is left as the store has it now.
            let now = try await payments.payment(id: payment.id, merchantId: nil) ?? requested.stored
            let left = Money(minorUnits: max(0, now.captured.minorUnits - now.amountRefunded.minorUnits), currency: amount.currency)
            throw CommandError.refundRefused(PaymentMachine.refundCheck(now, amount: amount) ?? .exceedsRemaining(remaining: left), now.payment)
        }
        let input = RefundInput(refund: refund, pspPaymentId: pspId, method: payment.request.method.type,
                                full: amount == stored.captured, now: at)
        let outcome = await psp.call(PSPCall(flow: .refund, build: { context throws(AdapterError) in try flow.buildRefund(input, context: context) },
                                             read: { flow.parseRefund($0, input: input) },
                                             failed: { RefundOutcome(result: $0.outcome == .failed ? .failed : .unknown, errorCode: $0.errorCode,
                                                                     errorMessage: $0.errorMessage) }),
                                     on: connection, about: CallSubject(paymentId: payment.id, attemptId: attempt.id))
        let answered = try await writer.apply(.refundOutcome(refundId: id, outcome: outcome), to: payment.id)
        logger.info("refund", metadata: ["payment": .string(payment.id), "refund": .string(id), "connection": .string(connection.config.name),
                                         "result": .string(outcome.result.rawValue)])
        guard let final = answered.stored.refund(id) else { throw GatewayFailure.paymentVanished(payment.id) }
        return final
    }
}
