import Foundation
import GRDB
import PasarelaCore

/// Idempotency keys: the request they came with, the payment they belong to, their lease and their final reply.
enum IdempotencyRows {
    /// What an existing key means for a new request with it, or `nil` when the key is new.
    static func find(_ claim: IdempotencyClaim, merchantId: String, operation: String, now: Date, in db: Database) throws -> CreateResult? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM idempotency_keys WHERE merchant_id = ? AND key = ?",
                                         arguments: [merchantId, claim.key]) else { return nil }
        guard row["request_hash"] == claim.requestHash, row["operation"] == operation else { return .mismatch }
        if let status: Int = row["reply_status"] {
            let body: Data = row["reply_body"] ?? Data()
            return .replay(IdempotencyReply(key: claim.key, status: status, body: Array(body)))
        }
        let lease: Date? = row["lease_until"]
        if let lease, lease > now { return .inFlight(paymentId: row["payment_id"]) }
        return .abandoned(paymentId: row["payment_id"])
    }

    static func insert(_ claim: IdempotencyClaim, merchantId: String, paymentId: String, operation: String, createdAt: Date,
                       in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO idempotency_keys (merchant_id, key, request_hash, payment_id, created_at, operation, lease_until)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [merchantId, claim.key, claim.requestHash, paymentId, createdAt, operation, claim.leaseUntil])
    }

    /// The request's own final reply, unless a retry after its lease already settled the key (the first reply stays).
    static func store(_ reply: IdempotencyReply, merchantId: String, in db: Database) throws {
        try db.execute(sql: """
            UPDATE idempotency_keys SET reply_status = ?, reply_body = ?, lease_until = NULL
            WHERE merchant_id = ? AND key = ? AND reply_status IS NULL
            """, arguments: [reply.status, Data(reply.body), merchantId, reply.key])
    }

    /// Stores a reply unless one is there, and returns the one the key holds.
    static func settle(key: String, merchantId: String, reply: IdempotencyReply, in db: Database) throws -> IdempotencyReply {
        try db.execute(sql: """
            UPDATE idempotency_keys SET reply_status = ?, reply_body = ?, lease_until = NULL
            WHERE merchant_id = ? AND key = ? AND reply_status IS NULL
            """, arguments: [reply.status, Data(reply.body), merchantId, key])
        guard let row = try Row.fetchOne(db, sql: "SELECT reply_status, reply_body FROM idempotency_keys WHERE merchant_id = ? AND key = ?",
                                         arguments: [merchantId, key]), let status: Int = row["reply_status"] else { return reply }
        let body: Data = row["reply_body"] ?? Data()
        return IdempotencyReply(key: key, status: status, body: Array(body))
    }

    /// Settles the payment's create key if its request died without replying.
    static func settleOpenCreateKey(paymentId: String, reply: IdempotencyReply, in db: Database) throws {
        try db.execute(sql: """
            UPDATE idempotency_keys SET reply_status = ?, reply_body = ?, lease_until = NULL
            WHERE payment_id = ? AND operation = 'create' AND reply_status IS NULL
            """, arguments: [reply.status, Data(reply.body), paymentId])
    }

    static func inFlight(in db: Database) throws -> [InFlightKey] {
        try Row.fetchAll(db, sql: "SELECT merchant_id, key, payment_id, operation FROM idempotency_keys WHERE reply_status IS NULL").map {
            InFlightKey(merchantId: $0["merchant_id"], key: $0["key"], paymentId: $0["payment_id"], operation: $0["operation"])
        }
    }
}
