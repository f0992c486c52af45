import Foundation
import GRDB
import PasarelaCore

/// The webhook inbox: every verified PSP event, once, with what became of it.
enum InboxRows {
    /// Records an event. - Returns: `false` when the (connection, dedupe key) was recorded before.
    static func insert(_ entry: InboxEntry, in db: Database) throws -> Bool {
        try db.execute(sql: """
            INSERT INTO webhook_inbox (connection, dedupe_key, psp_payment_id, payment_id, psp_status, result, reason, body, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connection, dedupe_key) DO NOTHING
            """, arguments: [entry.connection, entry.dedupeKey, entry.pspPaymentId, entry.paymentId, entry.pspStatus, entry.result,
                             entry.reason, Data(entry.body), entry.receivedAt])
        return db.changesCount == 1
    }

    static func countDuplicate(connection: String, dedupeKey: String, in db: Database) throws {
        try db.execute(sql: "UPDATE webhook_inbox SET duplicates = duplicates + 1 WHERE connection = ? AND dedupe_key = ?",
                       arguments: [connection, dedupeKey])
    }

    static func counts(connection: String, in db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT result, COUNT(*) AS n FROM webhook_inbox WHERE connection = ? GROUP BY result",
                                    arguments: [connection]) {
            counts[row["result"]] = row["n"]
        }
        let repeats = try Int.fetchOne(db, sql: "SELECT SUM(duplicates) FROM webhook_inbox WHERE connection = ?", arguments: [connection]) ?? 0
        if repeats > 0 { counts["duplicate"] = repeats }
        return counts
    }
}
