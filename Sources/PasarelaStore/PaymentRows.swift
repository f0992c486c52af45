import Foundation
import GRDB
import PasarelaCore

/// Conversions between the domain values and rows. No SQL lives outside this target.
enum PaymentRows {
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

    /// Inserts a new payment.
    static func insert(_ payment: Payment, in db: Database) throws {
        let request = payment.request
        var bank: String?, token: String?, network: String?
        switch request.method {
        case .bankTransfer(let name): bank = name
        case .card(let value): token = value
        case .cash(let name): network = name
        }
        try db.execute(sql: """
            INSERT INTO payments (id, merchant_id, livemode, status, amount_value, currency, country, method_type, method_bank,
                method_token, order_id, description, customer_json, metadata_json, notification_url, return_url,
                requested_expires_at, connection, psp_payment_id, next_action_json, expires_at, rule, config_version,
                created_at, updated_at, method_network, version, announced, failure_code, failure_detail, late_payment,
                review_json, needs_review, pending_cancel, lease_until, looks, next_look_at, amount_captured, pending_capture,
                succeeded_at, capture_method)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: StatementArguments([
                payment.id, payment.merchantId, payment.livemode, payment.status.rawValue, request.amount.minorUnits,
                request.amount.currency.code, request.country, request.method.type.rawValue, bank, token, request.orderId,
                request.description, try json(request.customer), try json(request.metadata), request.notificationURL,
                request.returnURL, request.expiresAt, payment.connection, payment.pspPaymentId,
                try payment.nextAction.map(json), payment.expiresAt, payment.rule, payment.configVersion,
                payment.createdAt, payment.updatedAt, network,
            ] as [(any DatabaseValueConvertible)?]) + (try stateArguments(payment)) + [request.capture.rawValue])
    }

    /// The columns a decision may change, in the order ``update(_:expectedVersion:in:)`` and ``insert(_:in:)`` write them.
    static func stateArguments(_ payment: Payment) throws -> StatementArguments {
        StatementArguments([
            payment.version, payment.announced, payment.failure?.code, payment.failure?.detail, payment.latePayment,
            try payment.review.map(json), payment.review?.message, payment.pendingCancel?.rawValue, payment.leaseUntil, payment.looks,
            payment.nextLookAt, payment.amountCaptured?.minorUnits, payment.pendingCapture?.minorUnits, payment.succeededAt,
        ] as [(any DatabaseValueConvertible)?])
    }

    /// Writes a decision over the row read at `expectedVersion`; the row's version becomes `payment.version`.
    /// - Returns: `false` when someone else wrote the payment since (compare-and-set lost).
    static func update(_ payment: Payment, expectedVersion: Int, in db: Database) throws -> Bool {
        try db.execute(sql: """
            UPDATE payments SET status = ?, connection = ?, psp_payment_id = ?, next_action_json = ?, expires_at = ?,
                updated_at = ?, version = ?, announced = ?, failure_code = ?, failure_detail = ?, late_payment = ?,
                review_json = ?, needs_review = ?, pending_cancel = ?, lease_until = ?, looks = ?, next_look_at = ?,
                amount_captured = ?, pending_capture = ?, succeeded_at = ?
            WHERE id = ? AND version = ?
            """, arguments: StatementArguments([
                payment.status.rawValue, payment.connection, payment.pspPaymentId, try payment.nextAction.map(json),
                payment.expiresAt, payment.updatedAt,
            ] as [(any DatabaseValueConvertible)?]) + (try stateArguments(payment)) + [payment.id, expectedVersion])
        return db.changesCount == 1
    }

    static func payment(from row: Row) throws -> Payment {
        guard let currency = Currency(code: row["currency"]),
              let status = PaymentStatus(rawValue: row["status"]),
              let methodType = PaymentMethodType(rawValue: row["method_type"]) else {
            throw DatabaseError(message: "payment row \(row["id"] as String? ?? "?") has an unknown status, method or currency")
        }
        let method: PaymentMethod = switch methodType {
        case .cash: .cash(network: row["method_network"])
        case .bankTransfer: .bankTransfer(bank: row["method_bank"])
        case .card: .card(token: row["method_token"] ?? "")
        }
        let customerJSON: String = row["customer_json"]
        let metadataJSON: String = row["metadata_json"]
        let request = PaymentRequest(
            amount: Money(minorUnits: row["amount_value"], currency: currency), country: row["country"], method: method,
            orderId: row["order_id"], customer: try decoder.decode(Customer.self, from: Data(customerJSON.utf8)),
            description: row["description"], notificationURL: row["notification_url"], returnURL: row["return_url"],
            metadata: try decoder.decode([String: String].self, from: Data(metadataJSON.utf8)),
            expiresAt: row["requested_expires_at"],
            capture: (row["capture_method"] as String?).flatMap(CaptureMethod.init(rawValue:)) ?? .automatic)
        let nextActionJSON: String? = row["next_action_json"]
        let reviewJSON: String? = row["review_json"]
        let failureCode: String? = row["failure_code"]
        return Payment(
            id: row["id"], merchantId: row["merchant_id"], livemode: row["livemode"], status: status, request: request,
            connection: row["connection"], pspPaymentId: row["psp_payment_id"],
            nextAction: try nextActionJSON.map { try decoder.decode(NextAction.self, from: Data($0.utf8)) },
            expiresAt: row["expires_at"], rule: row["rule"], configVersion: row["config_version"],
            createdAt: row["created_at"], updatedAt: row["updated_at"], version: row["version"], announced: row["announced"],
            failure: failureCode.flatMap { PaymentFailure(code: $0, detail: row["failure_detail"]) },
            latePayment: row["late_payment"],
            review: try reviewJSON.map { try decoder.decode(ReviewReason.self, from: Data($0.utf8)) },
            amountCaptured: (row["amount_captured"] as Int64?).map { Money(minorUnits: $0, currency: currency) },
            pendingCapture: (row["pending_capture"] as Int64?).map { Money(minorUnits: $0, currency: currency) },
            pendingCancel: (row["pending_cancel"] as String?).flatMap(CancelIntent.init(rawValue:)),
            leaseUntil: row["lease_until"], looks: row["looks"], nextLookAt: row["next_look_at"], succeededAt: row["succeeded_at"])
    }

    static func upsert(_ attempt: Attempt, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO attempts (id, payment_id, sequence, connection, psp_payment_id, outcome, psp_status, decline_class,
                failure_class, error_code, error_message, rule, config_version, started_at, duration_ms, needs_duplicate_check)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET psp_payment_id = excluded.psp_payment_id, outcome = excluded.outcome,
                psp_status = excluded.psp_status, decline_class = excluded.decline_class,
                failure_class = excluded.failure_class, error_code = excluded.error_code,
                error_message = excluded.error_message, duration_ms = excluded.duration_ms,
                needs_duplicate_check = excluded.needs_duplicate_check
            """, arguments: [
                attempt.id, attempt.paymentId, attempt.sequence, attempt.connection, attempt.pspPaymentId,
                attempt.outcome.rawValue, attempt.pspStatus, attempt.declineClass?.rawValue, attempt.failureClass?.rawValue,
                attempt.errorCode, attempt.errorMessage, attempt.rule, attempt.configVersion, attempt.startedAt,
                attempt.durationMs, attempt.needsDuplicateCheck,
            ])
    }

    static func attempt(from row: Row) throws -> Attempt {
        guard let outcome = AttemptOutcome(rawValue: row["outcome"]) else {
            throw DatabaseError(message: "attempt row has an unknown outcome")
        }
        return Attempt(
            id: row["id"], paymentId: row["payment_id"], sequence: row["sequence"], connection: row["connection"],
            pspPaymentId: row["psp_payment_id"], outcome: outcome, pspStatus: row["psp_status"],
            declineClass: (row["decline_class"] as String?).flatMap(DeclineClass.init(rawValue:)),
            failureClass: (row["failure_class"] as String?).flatMap(FailureClass.init(rawValue:)),
            errorCode: row["error_code"], errorMessage: row["error_message"], rule: row["rule"],
            configVersion: row["config_version"], startedAt: row["started_at"], durationMs: row["duration_ms"],
            needsDuplicateCheck: row["needs_duplicate_check"])
    }

    static func attempts(paymentId: String, in db: Database) throws -> [Attempt] {
        try Row.fetchAll(db, sql: "SELECT * FROM attempts WHERE payment_id = ? ORDER BY sequence", arguments: [paymentId])
            .map(attempt(from:))
    }

    static func stored(_ row: Row, in db: Database) throws -> StoredPayment {
        let payment = try payment(from: row)
        return StoredPayment(payment: payment, attempts: try attempts(paymentId: payment.id, in: db),
                             refunds: try RefundRows.refunds(paymentId: payment.id, in: db))
    }
}
