import Foundation
import GRDB
import PasarelaCore

/// Records a verified PSP event and applies it to its payment, all in the caller's transaction.
enum WebhookApplication {
    static func apply(_ record: PSPEventRecord, render: EventRenderer, in db: Database) throws -> WebhookResult {
        let event = record.event
        let seen = try Bool.fetchOne(db, sql: "SELECT 1 FROM webhook_inbox WHERE connection = ? AND dedupe_key = ?",
                                     arguments: [record.connection, event.dedupeKey]) ?? false
        if seen {
            try db.execute(sql: "UPDATE webhook_inbox SET duplicates = duplicates + 1 WHERE connection = ? AND dedupe_key = ?",
                           arguments: [record.connection, event.dedupeKey])
            return .duplicate
        }

        // The PSP's id finds the attempt; the reference (our attempt id) finds it when the create reply was lost.
        var attemptRow = try Row.fetchOne(db, sql: "SELECT * FROM attempts WHERE connection = ? AND psp_payment_id = ?",
                                          arguments: [record.connection, event.pspPaymentId])
        if attemptRow == nil, let reference = event.reference {
            attemptRow = try Row.fetchOne(db, sql: "SELECT * FROM attempts WHERE connection = ? AND id = ?",
                                          arguments: [record.connection, reference])
        }
        guard let attemptRow, var attempt = try? PaymentRows.attempt(from: attemptRow),
              let paymentRow = try Row.fetchOne(db, sql: "SELECT * FROM payments WHERE id = ?", arguments: [attempt.paymentId]) else {
            try insertInbox(record, paymentId: nil, result: "orphaned", reason: "no payment for this PSP id", in: db)
            return .orphaned
        }
        var payment = try PaymentRows.payment(from: paymentRow)
        let decision = EventDecision.decide(current: payment.status, reported: event.status,
                                            amount: payment.request.amount, reportedAmount: event.amount)
        switch decision {
        case .apply(let status):
            payment.status = status
            payment.updatedAt = record.receivedAt
            payment.connection = attempt.connection
            payment.pspPaymentId = event.pspPaymentId
            if status != .requiresAction { payment.nextAction = nil }
            attempt.pspPaymentId = event.pspPaymentId
            attempt.pspStatus = event.pspStatus
            attempt.outcome = AttemptOutcome(status: status)
            try PaymentRows.upsert(payment, in: db)
            try PaymentRows.upsert(attempt, in: db)
            try insertInbox(record, paymentId: payment.id, result: "applied", reason: nil, in: db)
            let stored = try PaymentRows.stored(try Row.fetchOne(db, sql: "SELECT * FROM payments WHERE id = ?", arguments: [payment.id])!, in: db)
            try EventRows.insert(render(stored), merchantId: payment.merchantId, paymentId: payment.id, in: db)
            return .applied(paymentId: payment.id, status: status)
        case .ignore(let reason):
            try insertInbox(record, paymentId: payment.id, result: "ignored", reason: reason, in: db)
            return .ignored(paymentId: payment.id, reason: reason)
        case .review(let reason):
            try db.execute(sql: "UPDATE payments SET needs_review = ? WHERE id = ?", arguments: [reason, payment.id])
            try insertInbox(record, paymentId: payment.id, result: "flagged", reason: reason, in: db)
            return .flagged(paymentId: payment.id, reason: reason)
        }
    }

    static func insertInbox(_ record: PSPEventRecord, paymentId: String?, result: String, reason: String?, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO webhook_inbox (connection, dedupe_key, psp_payment_id, payment_id, psp_status, result, reason, body, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [record.connection, record.event.dedupeKey, record.event.pspPaymentId, paymentId,
                             record.event.pspStatus, result, reason, Data(record.rawBody), record.receivedAt])
    }
}
