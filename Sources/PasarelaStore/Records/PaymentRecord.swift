import Foundation
import PasarelaCore

/// Payments and attempts as rows, for both stores: the statements that write them and the reading of their rows.
enum PaymentRecord {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try decoder.decode(type, from: Data(text.utf8))
    }

    /// The columns a decision may change, in the order `insert` and `update` write them after their own.
    static let stateColumns = ["version", "announced", "failure_code", "failure_detail", "late_payment", "review_json", "needs_review",
                               "pending_cancel", "looks", "next_look_at", "amount_captured", "pending_capture", "succeeded_at"]

    static func stateValues(_ payment: Payment) throws -> [(any SQLBindable)?] {
        [payment.version, payment.announced, payment.failure?.code, payment.failure?.detail, payment.latePayment,
         try payment.review.map(json), payment.review?.message, payment.pendingCancel?.rawValue, payment.looks,
         payment.nextLookAt, payment.amountCaptured?.minorUnits, payment.pendingCapture?.minorUnits, payment.succeededAt]
    }

    static func insert(_ payment: Payment) throws -> Statement {
        let request = payment.request
        var bank: String?, token: String?, network: String?
        switch request.method {
        case .bankTransfer(let name): bank = name
        case .card(let value): token = value
        case .cash(let name): network = name
        }
        let columns = ["id", "merchant_id", "livemode", "status", "amount_value", "currency", "country", "method_type", "method_bank",
                       "method_token", "order_id", "description", "customer_json", "metadata_json", "notification_url", "return_url",
                       "requested_expires_at", "connection", "psp_payment_id", "next_action_json", "expires_at", "rule", "config_version",
                       "created_at", "updated_at", "method_network", "capture_method", "lease_until"] + stateColumns
        let values: [(any SQLBindable)?] = [
            payment.id, payment.merchantId, payment.livemode, payment.status.rawValue, request.amount.minorUnits,
            request.amount.currency.code, request.country, request.method.type.rawValue, bank, token, request.orderId,
            request.description, StoredJSON.encode(request.customer), StoredJSON.encode(request.metadata), request.notificationURL,
            request.returnURL, request.expiresAt, payment.connection, payment.pspPaymentId,
            payment.nextAction.map(StoredJSON.encode), payment.expiresAt, payment.rule, payment.configVersion,
            payment.createdAt, payment.updatedAt, network, request.capture.rawValue, payment.leaseUntil,
        ] + (try stateValues(payment))
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return Statement("INSERT INTO payments (\(columns.joined(separator: ", "))) VALUES (\(marks))", values)
    }

    /// Writes a decision over the row read at `expectedVersion`, returning its id only when the version was still that
    /// (compare-and-set); the row's version becomes `payment.version`. The lease is the keeper's: it is only ended here.
    static func update(_ payment: Payment, expectedVersion: Int, endsLease: Bool = false) throws -> Statement {
        let columns = ["status", "connection", "psp_payment_id", "next_action_json", "expires_at", "updated_at"] + stateColumns
        let values: [(any SQLBindable)?] = [payment.status.rawValue, payment.connection, payment.pspPaymentId,
                                            payment.nextAction.map(StoredJSON.encode), payment.expiresAt, payment.updatedAt]
            + (try stateValues(payment)) + [payment.id, expectedVersion]
        let sets = columns.map { "\($0) = ?" }.joined(separator: ", ") + (endsLease ? ", lease_until = NULL" : "")
        return Statement("UPDATE payments SET \(sets) WHERE id = ? AND version = ? RETURNING id", values)
    }

    static func payment(from row: any SQLRow) throws -> Payment {
        guard let status = PaymentStatus(rawValue: try row.text(required: "status")) else {
            throw CorruptRow("payment \(try row.text("id") ?? "?") has an unknown status")
        }
        let request = try request(from: row)
        let currency = request.amount.currency
        func money(_ column: String) throws -> Money? { try row.int(column).map { Money(minorUnits: $0, currency: currency) } }
        return Payment(
            id: try row.text(required: "id"), merchantId: try row.text(required: "merchant_id"), livemode: try row.bool(required: "livemode"),
            status: status, request: request, connection: try row.text("connection"), pspPaymentId: try row.text("psp_payment_id"),
            nextAction: try row.text("next_action_json").map(StoredJSON.nextAction),
            expiresAt: try row.date("expires_at"), rule: try row.text("rule"), configVersion: try row.text("config_version"),
            createdAt: try row.date(required: "created_at"), updatedAt: try row.date(required: "updated_at"),
            version: Int(try row.int(required: "version")), announced: try row.bool(required: "announced"),
            failure: try row.text("failure_code").flatMap { PaymentFailure(code: $0, detail: try row.text("failure_detail")) },
            latePayment: try row.bool(required: "late_payment"),
            review: try row.text("review_json").map { try decode(ReviewReason.self, $0) },
            amountCaptured: try money("amount_captured"), pendingCapture: try money("pending_capture"),
            pendingCancel: try row.text("pending_cancel").flatMap(CancelIntent.init(rawValue:)),
            leaseUntil: try row.date("lease_until"), looks: Int(try row.int(required: "looks")), nextLookAt: try row.date("next_look_at"),
            succeededAt: try row.date("succeeded_at"))
    }

    /// What the merchant asked for, from a payments row.
    /// - Parameter routingOnly: the row holds only what routing reads (no description, URLs, requested expiry or capture
    ///   method): those are left out of the request.
    static func request(from row: any SQLRow, routingOnly: Bool = false) throws -> PaymentRequest {
        let code = try row.text(required: "currency")
        guard let currency = Currency(code: code), let methodType = PaymentMethodType(rawValue: try row.text(required: "method_type")) else {
            throw CorruptRow("payment \(try row.text("id") ?? "?") has an unknown method or currency")
        }
        let method: PaymentMethod = switch methodType {
        case .cash: .cash(network: try row.text("method_network"))
        case .bankTransfer: .bankTransfer(bank: try row.text("method_bank"))
        case .card: .card(token: try row.text("method_token") ?? "")
        }
        var request = PaymentRequest(
            amount: Money(minorUnits: try row.int(required: "amount_value"), currency: currency), country: try row.text(required: "country"),
            method: method, orderId: try row.text(required: "order_id"),
            customer: try StoredJSON.customer(try row.text(required: "customer_json")),
            metadata: try StoredJSON.metadata(try row.text(required: "metadata_json")))
        guard !routingOnly else { return request }
        request.description = try row.text("description")
        request.notificationURL = try row.text("notification_url")
        request.returnURL = try row.text("return_url")
        request.expiresAt = try row.date("requested_expires_at")
        request.capture = try row.text("capture_method").flatMap(CaptureMethod.init(rawValue:)) ?? .automatic
        return request
    }

    static func upsert(_ attempt: Attempt) -> Statement {
        Statement("""
            INSERT INTO attempts (id, payment_id, sequence, connection, psp_payment_id, outcome, psp_status, decline_class,
                failure_class, error_code, error_message, rule, config_version, started_at, duration_ms, needs_duplicate_check)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET psp_payment_id = excluded.psp_payment_id, outcome = excluded.outcome,
                psp_status = excluded.psp_status, decline_class = excluded.decline_class,
                failure_class = excluded.failure_class, error_code = excluded.error_code,
                error_message = excluded.error_message, duration_ms = excluded.duration_ms,
                needs_duplicate_check = excluded.needs_duplicate_check
            """, [
                attempt.id, attempt.paymentId, attempt.sequence, attempt.connection, attempt.pspPaymentId,
                attempt.outcome.rawValue, attempt.pspStatus, attempt.declineClass?.rawValue, attempt.failureClass?.rawValue,
                attempt.errorCode, attempt.errorMessage, attempt.rule, attempt.configVersion, attempt.startedAt,
                attempt.durationMs, attempt.needsDuplicateCheck,
            ])
    }

    static func attempt(from row: any SQLRow) throws -> Attempt {
        guard let outcome = AttemptOutcome(rawValue: try row.text(required: "outcome")) else {
            throw CorruptRow("attempt \(try row.text("id") ?? "?") has an unknown outcome")
        }
        return Attempt(
            id: try row.text(required: "id"), paymentId: try row.text(required: "payment_id"), sequence: Int(try row.int(required: "sequence")),
            connection: try row.text(required: "connection"), pspPaymentId: try row.text("psp_payment_id"), outcome: outcome,
            pspStatus: try row.text("psp_status"),
            declineClass: try row.text("decline_class").flatMap(DeclineClass.init(rawValue:)),
            failureClass: try row.text("failure_class").flatMap(FailureClass.init(rawValue:)),
            errorCode: try row.text("error_code"), errorMessage: try row.text("error_message"), rule: try row.text("rule"),
            configVersion: try row.text("config_version"), startedAt: try row.date(required: "started_at"),
            durationMs: try row.int("duration_ms").map(Int.init), needsDuplicateCheck: try row.bool(required: "needs_duplicate_check"))
    }

    /// Payments chosen by `filter` (`WHERE ... ORDER BY ... LIMIT ?` over `payments`, its values bound in order), read
    /// with their attempts and refunds from one snapshot.
    /// A merchant's page of payments, newest first, strictly after the cursor in (created_at DESC, id DESC) order: each
    /// combination is served by one of the list indexes, without a sort (`ListIndexTests` reads SQLite's plans).
    static func listFilter(merchantId: String, orderId: String?, status: PaymentStatus?, startingAfter: String?,
                           limit: Int) -> (String, [(any SQLBindable)?]) {
        var filter = "WHERE merchant_id = ?"
        var values: [(any SQLBindable)?] = [merchantId]
        if let orderId {
            filter += " AND order_id = ?"
            values.append(orderId)
        }
        if let status {
            filter += " AND status = ?"
            values.append(status.rawValue)
        }
        if let startingAfter {
            filter += " AND (created_at, id) < (SELECT created_at, id FROM payments WHERE id = ? AND merchant_id = ?)"
            values += [startingAfter, merchantId]
        }
        filter += " ORDER BY created_at DESC, id DESC LIMIT ?"
        values.append(limit)
        return (filter, values)
    }

    static let attemptColumns = ["id", "payment_id", "sequence", "connection", "psp_payment_id", "outcome", "psp_status", "decline_class",
                                 "failure_class", "error_code", "error_message", "rule", "config_version", "started_at", "duration_ms",
                                 "needs_duplicate_check"]
    static let refundColumns = ["id", "payment_id", "amount_value", "currency", "status", "reason", "connection", "psp_refund_id", "psp_status",
                                "error_code", "error_message", "bank_account_json", "created_at", "updated_at"]

    /// One payment chosen by `filter` (over `payments p`), with its attempts and refunds, in one statement: the children
    /// come aggregated as JSON arrays (SQLite's `json_group_array`, PostgreSQL's `json_agg`). One round trip, no
    /// transaction needed to see the three consistently.
    static func one(_ filter: String, _ values: [(any SQLBindable)?]) -> ReadPlan<StoredPayment?> {
        let sql = "SELECT p.*, \(children("attempts", attemptColumns)) AS attempts_json, \(children("refunds", refundColumns)) AS refunds_json "
            + "FROM payments p \(filter)"
        return ReadPlan([Statement(sql, values)], byKey: true) { rows in
            guard let row = rows[0].first else { return nil }
            let attempts = try JSONRow.rows(try row.text("attempts_json")).map(attempt(from:)).sorted { $0.sequence < $1.sequence }
            let refunds = try JSONRow.rows(try row.text("refunds_json")).map(RefundRecord.refund(from:))
                .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            return StoredPayment(payment: try payment(from: row), attempts: attempts, refunds: refunds)
        }
    }

    /// The rows of `table` that belong to the payment `p` (by `payment_id`, through its index), `columns` of each, as a
    /// JSON array of objects read back with ``JSONRow`` (`[]` when there are none).
    static func children(_ table: String, _ columns: [String]) -> String {
        let pairs = columns.map { "'\($0)', c.\($0)" }.joined(separator: ", ")
        return "COALESCE(CAST((SELECT json_group_array(json_object(\(pairs))) FROM \(table) c WHERE c.payment_id = p.id) AS TEXT), '[]')"
    }

    static func stored(_ filter: String, _ values: [(any SQLBindable)?]) -> ReadPlan<[StoredPayment]> {
        ReadPlan([
            Statement("SELECT * FROM payments \(filter)", values),
            Statement("SELECT * FROM attempts WHERE payment_id IN (SELECT id FROM payments \(filter)) ORDER BY payment_id, sequence", values),
            Statement("SELECT * FROM refunds WHERE payment_id IN (SELECT id FROM payments \(filter)) ORDER BY payment_id, created_at, id", values),
        ]) { rows in
            let attempts = Dictionary(grouping: try rows[1].map(attempt(from:)), by: \.paymentId)
            let refunds = Dictionary(grouping: try rows[2].map(RefundRecord.refund(from:)), by: \.paymentId)
            return try rows[0].map { row in
                let payment = try payment(from: row)
                return StoredPayment(payment: payment, attempts: attempts[payment.id] ?? [], refunds: refunds[payment.id] ?? [])
            }
        }
    }
}
