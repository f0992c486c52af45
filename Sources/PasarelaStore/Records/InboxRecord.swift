import Foundation
import PasarelaCore

/// The webhook inbox: every verified PSP event, once, with what became of it.
enum InboxRecord {
    /// Records an event, returning a row only when its (connection, dedupe key) is new.
    static func insert(_ entry: InboxEntry) -> Statement {
        Statement("""
            INSERT INTO webhook_inbox (connection, dedupe_key, psp_payment_id, payment_id, psp_status, result, reason, body, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connection, dedupe_key) DO NOTHING RETURNING dedupe_key
            """, [entry.connection, entry.dedupeKey, entry.pspPaymentId, entry.paymentId, entry.pspStatus, entry.result,
                  entry.reason, entry.body, entry.receivedAt])
    }

    static func countDuplicate(_ entry: InboxEntry) -> Statement {
        Statement("UPDATE webhook_inbox SET duplicates = duplicates + 1 WHERE connection = ? AND dedupe_key = ?",
                  [entry.connection, entry.dedupeKey])
    }

    static func orphan(_ row: any SQLRow) throws -> OrphanedWebhook {
        OrphanedWebhook(connection: try row.text(required: "connection"), pspPaymentId: try row.text(required: "psp_payment_id"),
                        pspStatus: try row.text(required: "psp_status"), dedupeKey: try row.text(required: "dedupe_key"),
                        receivedAt: try row.date(required: "received_at"), body: try row.bytes(required: "body"))
    }
}
