/// How an attempt is found from a PSP's payment: by the PSP's id, else by our reference (the attempt id, sent with the
/// create), which finds it when the create reply was lost.
struct AttemptLookup {
    var connection: String
    var pspPaymentId: String
    var reference: String?

    static let byId = "SELECT id, payment_id FROM attempts WHERE connection = ? AND psp_payment_id = ? LIMIT 1"
    static let byReference = "SELECT id, payment_id FROM attempts WHERE connection = ? AND id = ? LIMIT 1"

    /// The two lookups, in that order.
    var statements: [Statement] {
        [Statement(Self.byId, [connection, pspPaymentId]), Statement(Self.byReference, [connection, reference ?? ""])]
    }

    /// A payments filter for the payment that owns the attempt found, in the same read.
    var ownerFilter: String {
        "WHERE id = COALESCE((SELECT payment_id FROM (\(Self.byId)) AS found), (SELECT payment_id FROM (\(Self.byReference)) AS found)) LIMIT 1"
    }
    var ownerValues: [(any SQLBindable)?] { [connection, pspPaymentId, connection, reference ?? ""] }

    /// The attempt from the rows of ``statements`` (the first two result sets).
    func found(_ rows: [[any SQLRow]]) throws -> AttemptRef? {
        guard let row = rows[0].first ?? (reference == nil ? nil : rows[1].first) else { return nil }
        return AttemptRef(paymentId: try row.text(required: "payment_id"), attemptId: try row.text(required: "id"))
    }
}
