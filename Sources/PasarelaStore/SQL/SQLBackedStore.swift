import Foundation
import PasarelaCore

/// A store whose every role is written once, as plans over standard SQL, and kept by an executor: SQLite's or
/// PostgreSQL's. An implementation brings the executor and its schema; the promises (unique constraints, the
/// compare-and-set write, the refund sum in the same transaction, claims) are those of the plans.
public protocol SQLBackedStore: PaymentStore {
    var executor: any SQLExecutor { get }
}

extension SQLBackedStore {
    public func create(_ payment: Payment, attempts: [Attempt], idempotency: IdempotencyClaim?) async throws -> CreateResult {
        var steps: [WritePlan<CreateResult>.Step] = []
        if let claim = idempotency {
            steps.append(IdempotencyRecord.claim(claim, merchantId: payment.merchantId, paymentId: payment.id, operation: "create",
                                                 now: payment.createdAt))
        }
        steps.append(.run(try PaymentRecord.insert(payment)))
        steps += attempts.map { .run(PaymentRecord.upsert($0)) }
        return try await executor.write(WritePlan(steps) { _ in .created })
    }

    public func commit(_ write: PaymentWrite) async throws -> CommitResult {
        let plan = try Self.plan(write) { $0 }
        guard !plan.steps.isEmpty else { return .committed }
        return try await executor.write(plan)
    }

    public func commitHolding<T: Sendable>(paymentId: String,
                                           _ decide: @escaping @Sendable (StoredPayment?) throws -> (PaymentWrite?, T)) async throws -> (T, CommitResult) {
        let stored = PaymentRecord.stored("WHERE id = ? LIMIT 1", [paymentId])
        // The lock first: the reads after it see the payment as the last writer left it, and no writer gets in before
        // this transaction ends. On SQLite the one writer already runs nothing else meanwhile.
        let lock = Statement("SELECT id FROM payments WHERE id = ? /*FOR UPDATE*/", [paymentId])
        let reading = ReadPlan([lock] + stored.statements) { rows in try stored.result(Array(rows.dropFirst())).first }
        return try await executor.write(reading: reading) { payment in
            let (write, value) = try decide(payment)
            guard let write else { return WritePlan([]) { _ in (value, .committed) } }
            return try Self.plan(write) { (value, $0) }
        }
    }

    /// One decision's transaction. The payment's row comes first, so every transaction that writes a payment takes its
    /// row before anything else (no two can wait on each other); a lost compare-and-set, a webhook event recorded
    /// meanwhile or refunds above the ceiling roll the whole decision back.
    static func plan<Result: Sendable>(_ write: PaymentWrite,
                                       _ result: @escaping @Sendable (CommitResult) -> Result) throws -> WritePlan<Result> {
        var steps: [WritePlan<Result>.Step] = []
        guard var payment = write.payment else {
            // No payment to write (an orphaned webhook, transcripts): the inbox row alone, a repeat counted.
            if let inbox = write.inbox {
                steps.append(.expectRow(InboxRecord.insert(inbox), otherwise: .init(keep: true, then: [InboxRecord.countDuplicate(inbox)]) { _ in result(.duplicate) }))
            }
            steps += write.calls.map { .run(CallRecord.insert($0)) }
            return WritePlan(steps) { _ in result(.committed) }
        }
        payment.version = write.expectedVersion + 1
        steps.append(.expectRow(try PaymentRecord.update(payment, expectedVersion: write.expectedVersion, endsLease: write.endsLease),
                                otherwise: .init(keep: false) { _ in result(.conflict) }))
        if let inbox = write.inbox {
            // Recorded meanwhile by another delivery of the same event: nothing of this decision is written (the caller
            // counts the repeat).
            steps.append(.expectRow(InboxRecord.insert(inbox), otherwise: .init(keep: false) { _ in result(.duplicate) }))
        }
        steps += write.attempts.map { .run(PaymentRecord.upsert($0)) }
        steps += try write.refunds.map { .run(try RefundRecord.upsert($0, merchantId: payment.merchantId)) }
        if let ceiling = write.refundCeiling {
            steps.append(.atMost(RefundRecord.committed(paymentId: payment.id), ceiling, otherwise: .init(keep: false) { _ in result(.refundCeilingExceeded) }))
        }
        steps += write.events.flatMap { EventRecord.insert($0, merchantId: payment.merchantId, paymentId: payment.id) }.map { .run($0) }
        if let reply = write.reply { steps.append(.run(IdempotencyRecord.store(reply, merchantId: payment.merchantId))) }
        if let reply = write.settleOpenCreateKey {
            steps.append(.run(IdempotencyRecord.settleOpenCreateKey(paymentId: payment.id, reply: reply)))
        }
        steps += write.calls.map { .run(CallRecord.insert($0)) }
        return WritePlan(steps) { _ in result(.committed) }
    }

    public func payment(id: String, merchantId: String?) async throws -> StoredPayment? {
        let plan = if let merchantId {
            PaymentRecord.one("WHERE p.id = ? AND p.merchant_id = ?", [id, merchantId])
        } else {
            PaymentRecord.one("WHERE p.id = ?", [id])
        }
        return try await executor.read(plan)
    }

    public func attempt(connection: String, pspPaymentId: String, reference: String?) async throws -> AttemptRef? {
        let lookup = AttemptLookup(connection: connection, pspPaymentId: pspPaymentId, reference: reference)
        return try await executor.read(ReadPlan(lookup.statements, byKey: true) { rows in try lookup.found(rows) })
    }

    public func paymentOf(connection: String, pspPaymentId: String, reference: String?) async throws -> (AttemptRef, StoredPayment)? {
        let lookup = AttemptLookup(connection: connection, pspPaymentId: pspPaymentId, reference: reference)
        let stored = PaymentRecord.stored(lookup.ownerFilter, lookup.ownerValues)
        return try await executor.read(ReadPlan(lookup.statements + stored.statements, byKey: true) { rows in
            guard let found = try lookup.found(rows), let payment = try stored.result(Array(rows.dropFirst(2))).first else { return nil }
            return (found, payment)
        })
    }

    public func claim(_ claim: IdempotencyClaim, merchantId: String, paymentId: String, operation: String,
                      leaseUntil: Date) async throws -> ClaimResult {
        var held = claim
        held.leaseUntil = leaseUntil
        let step = IdempotencyRecord.claim(held, merchantId: merchantId, paymentId: paymentId, operation: operation, now: Date())
        return try await executor.write(WritePlan([step]) { _ in .created })
    }

    public func release(key: String, merchantId: String) async throws {
        try await executor.write(WritePlan([.run(Statement("DELETE FROM idempotency_keys WHERE merchant_id = ? AND key = ? AND reply_status IS NULL",
                                                           [merchantId, key]))]) { _ in () })
    }

    public func settle(key: String, merchantId: String, reply: IdempotencyReply) async throws -> IdempotencyReply {
        let stored = IdempotencyReply(key: key, status: reply.status, body: reply.body)
        return try await executor.write(WritePlan([
            .run(IdempotencyRecord.store(stored, merchantId: merchantId)),
            .run(Statement("SELECT * FROM idempotency_keys WHERE merchant_id = ? AND key = ?", [merchantId, key])),
        ]) { rows in
            guard let row = rows.first, let held = try IdempotencyRecord(from: row).reply else { return stored }
            return held
        })
    }

    public func setting(_ name: String) async throws -> String? {
        try await executor.read(ReadPlan([Statement("SELECT value FROM gateway_settings WHERE name = ?", [name])], byKey: true) { rows in
            try rows[0].first?.text("value")
        })
    }

    public func setSetting(_ name: String, to value: String, at: Date) async throws {
        try await executor.write(WritePlan([.run(Statement("""
            INSERT INTO gateway_settings (name, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """, [name, value, at]))]) { _ in () })
    }

    public func ping() async throws {
        try await executor.read(ReadPlan([Statement("SELECT 1 AS one")]) { _ in () })
    }

    public func renewLeases(_ holds: [LeaseHold], until: Date) async throws {
        // Payments before keys, the order every other write takes them in (a create's commit writes its payment, then
        // its key's reply): two writers that lock the same rows in opposite orders deadlock under load.
        var steps: [WritePlan<Void>.Step] = []
        let payments = holds.compactMap(\.paymentId)
        for chunk in stride(from: 0, to: payments.count, by: 400).map({ payments[$0..<min($0 + 400, payments.count)] }) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            steps.append(.run(Statement("UPDATE payments SET lease_until = ? WHERE lease_until IS NOT NULL AND id IN (\(marks))",
                                        [until] + chunk.map { $0 as (any SQLBindable)? })))
        }
        let keys = holds.compactMap { hold in hold.key.map { (hold.merchantId, $0) } }
        for chunk in stride(from: 0, to: keys.count, by: 200).map({ keys[$0..<min($0 + 200, keys.count)] }) {
            let pairs = Array(repeating: "(?, ?)", count: chunk.count).joined(separator: ", ")
            steps.append(.run(Statement("UPDATE idempotency_keys SET lease_until = ? WHERE reply_status IS NULL AND (merchant_id, key) IN (\(pairs))",
                                        [until] + chunk.flatMap { [$0.0, $0.1] as [(any SQLBindable)?] })))
        }
        guard !steps.isEmpty else { return }
        try await executor.write(WritePlan(steps) { _ in () })
    }

    public func keysInFlight() async throws -> [InFlightKey] {
        try await executor.read(ReadPlan([Statement("SELECT merchant_id, key, payment_id, operation FROM idempotency_keys WHERE reply_status IS NULL")]) { rows in
            try rows[0].map {
                InFlightKey(merchantId: try $0.text(required: "merchant_id"), key: try $0.text(required: "key"),
                            paymentId: try $0.text(required: "payment_id"), operation: try $0.text(required: "operation"))
            }
        })
    }
}
