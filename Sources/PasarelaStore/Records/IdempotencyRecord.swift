import Foundation
import PasarelaCore

/// An idempotency key as stored: the request it came with, the payment it belongs to, its lease and its final reply.
struct IdempotencyRecord {
    var requestHash: String
    var operation: String
    var paymentId: String
    var reply: IdempotencyReply?
    var leaseUntil: Date?

    init(from row: any SQLRow) throws {
        requestHash = try row.text(required: "request_hash")
        operation = try row.text(required: "operation")
        paymentId = try row.text(required: "payment_id")
        leaseUntil = try row.date("lease_until")
        if let status = try row.int("reply_status") {
            reply = IdempotencyReply(key: try row.text(required: "key"), status: Int(status), body: try row.bytes("reply_body") ?? [])
        }
    }

    /// What the key means for a new request that brings it: the same request replays the reply, or waits while the first
    /// request's lease runs, or is told the first request died; another request with the key is refused.
    func meaning(for claim: IdempotencyClaim, operation: String, now: Date) -> CreateResult {
        guard requestHash == claim.requestHash, self.operation == operation else { return .mismatch }
        if let reply { return .replay(reply) }
        if let leaseUntil, leaseUntil > now { return .inFlight(paymentId: paymentId) }
        return .abandoned(paymentId: paymentId)
    }

    /// Takes a key for a request, or stops with what the key already means (nothing written then).
    static func claim(_ claim: IdempotencyClaim, merchantId: String, paymentId: String, operation: String, now: Date)
        -> WritePlan<CreateResult>.Step {
        .expectRow(Statement("""
            INSERT INTO idempotency_keys (merchant_id, key, request_hash, payment_id, created_at, operation, lease_until)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (merchant_id, key) DO NOTHING RETURNING key
            """, [merchantId, claim.key, claim.requestHash, paymentId, now, operation, claim.leaseUntil]),
            otherwise: .init(keep: false, then: [Statement("SELECT * FROM idempotency_keys WHERE merchant_id = ? AND key = ?", [merchantId, claim.key])]) { rows in
                guard let row = rows.first else { return .mismatch }
                return try IdempotencyRecord(from: row).meaning(for: claim, operation: operation, now: now)
            })
    }

    /// A key's reply, unless one is already stored (the first reply stays): the request's own, or the settlement of a
    /// key whose request died.
    static func store(_ reply: IdempotencyReply, merchantId: String) -> Statement {
        Statement("""
            UPDATE idempotency_keys SET reply_status = ?, reply_body = ?, lease_until = NULL
            WHERE merchant_id = ? AND key = ? AND reply_status IS NULL
            """, [reply.status, reply.body, merchantId, reply.key])
    }

    /// Settles the payment's create key if its request died without replying.
    static func settleOpenCreateKey(paymentId: String, reply: IdempotencyReply) -> Statement {
        Statement("""
            UPDATE idempotency_keys SET reply_status = ?, reply_body = ?, lease_until = NULL
            WHERE payment_id = ? AND operation = 'create' AND reply_status IS NULL
            """, [reply.status, reply.body, paymentId])
    }
}
