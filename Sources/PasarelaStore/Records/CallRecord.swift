import PasarelaCore

/// A PSP call's transcript row.
enum CallRecord {
    static func insert(_ call: RecordedCall) -> Statement {
        Statement("INSERT INTO psp_calls (payment_id, attempt_id, connection, flow, at, transcript) VALUES (?, ?, ?, ?, ?, ?)",
                  [call.paymentId, call.attemptId, call.connection, call.flow, call.at, call.transcript])
    }
}
