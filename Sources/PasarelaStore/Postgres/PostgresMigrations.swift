import Foundation
import PostgresNIO

/// The schema on PostgreSQL: the same migrations as SQLite's, by the same ids, in PostgreSQL's types (`TIMESTAMPTZ`,
/// `BIGINT`, `BOOLEAN`, `BYTEA`). Never edit one that has shipped: add one, to both lists.
enum PostgresMigrations {
    static let all: [(id: String, sql: String)] = [
        ("v1_payments_attempts_idempotency_inbox", """
            CREATE TABLE payments (
                id TEXT PRIMARY KEY,
                merchant_id TEXT NOT NULL,
                livemode BOOLEAN NOT NULL,
                status TEXT NOT NULL,
                amount_value BIGINT NOT NULL,
                currency TEXT NOT NULL,
                country TEXT NOT NULL,
                method_type TEXT NOT NULL,
                method_bank TEXT,
                method_token TEXT,
                order_id TEXT NOT NULL,
                description TEXT,
                customer_json TEXT NOT NULL,
                metadata_json TEXT NOT NULL,
                notification_url TEXT,
                return_url TEXT,
                requested_expires_at TIMESTAMPTZ,
                connection TEXT,
                psp_payment_id TEXT,
                next_action_json TEXT,
                expires_at TIMESTAMPTZ,
                rule TEXT,
                config_version TEXT,
                needs_review TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            );
            CREATE INDEX payments_merchant_order ON payments (merchant_id, order_id, created_at);
            CREATE INDEX payments_merchant_created ON payments (merchant_id, created_at);
            CREATE TABLE attempts (
                id TEXT PRIMARY KEY,
                payment_id TEXT NOT NULL REFERENCES payments(id),
                sequence BIGINT NOT NULL,
                connection TEXT NOT NULL,
                psp_payment_id TEXT,
                outcome TEXT NOT NULL,
                psp_status TEXT,
                decline_class TEXT,
                failure_class TEXT,
                error_code TEXT,
                error_message TEXT,
                rule TEXT,
                config_version TEXT,
                started_at TIMESTAMPTZ NOT NULL,
                duration_ms BIGINT,
                UNIQUE (payment_id, sequence)
            );
            CREATE INDEX attempts_psp ON attempts (connection, psp_payment_id);
            CREATE TABLE idempotency_keys (
                merchant_id TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                payment_id TEXT NOT NULL,
                reply_status BIGINT,
                reply_body BYTEA,
                created_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (merchant_id, key)
            );
            CREATE TABLE webhook_inbox (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                connection TEXT NOT NULL,
                dedupe_key TEXT NOT NULL,
                psp_payment_id TEXT NOT NULL,
                payment_id TEXT,
                psp_status TEXT NOT NULL,
                result TEXT NOT NULL,
                reason TEXT,
                body BYTEA NOT NULL,
                received_at TIMESTAMPTZ NOT NULL,
                UNIQUE (connection, dedupe_key)
            );
            """),
        ("v2_cash_network", "ALTER TABLE payments ADD COLUMN method_network TEXT;"),
        ("v3_events_outbox_notifications", """
            CREATE TABLE events (
                seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                merchant_id TEXT NOT NULL,
                payment_id TEXT NOT NULL REFERENCES payments(id),
                type TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                body BYTEA NOT NULL
            );
            CREATE INDEX events_merchant ON events (merchant_id, seq);
            CREATE INDEX events_payment ON events (payment_id, seq);
            CREATE TABLE notifications (
                event_id TEXT PRIMARY KEY REFERENCES events(id),
                merchant_id TEXT NOT NULL,
                url TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                next_attempt_at TIMESTAMPTZ,
                last_status BIGINT,
                last_error TEXT,
                delivered_at TIMESTAMPTZ,
                created_at TIMESTAMPTZ NOT NULL
            );
            CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
            CREATE TABLE notification_attempts (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                event_id TEXT NOT NULL REFERENCES events(id),
                attempt BIGINT NOT NULL,
                at TIMESTAMPTZ NOT NULL,
                http_status BIGINT,
                error TEXT,
                duration_ms BIGINT NOT NULL
            );
            CREATE INDEX notification_attempts_event ON notification_attempts (event_id, attempt);
            ALTER TABLE webhook_inbox ADD COLUMN duplicates BIGINT NOT NULL DEFAULT 0;
            """),
        ("v4_one_writer_versions_reconciler_leases", """
            ALTER TABLE payments ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE payments ADD COLUMN announced BOOLEAN NOT NULL DEFAULT TRUE;
            ALTER TABLE payments ADD COLUMN failure_code TEXT;
            ALTER TABLE payments ADD COLUMN failure_detail TEXT;
            ALTER TABLE payments ADD COLUMN late_payment BOOLEAN NOT NULL DEFAULT FALSE;
            ALTER TABLE payments ADD COLUMN review_json TEXT;
            ALTER TABLE payments ADD COLUMN pending_cancel TEXT;
            ALTER TABLE payments ADD COLUMN lease_until TIMESTAMPTZ;
            ALTER TABLE payments ADD COLUMN looks BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE payments ADD COLUMN next_look_at TIMESTAMPTZ;
            CREATE INDEX payments_next_look ON payments (next_look_at) WHERE next_look_at IS NOT NULL;
            ALTER TABLE attempts ADD COLUMN needs_duplicate_check BOOLEAN NOT NULL DEFAULT FALSE;
            CREATE INDEX attempts_payment ON attempts (payment_id, sequence);
            ALTER TABLE idempotency_keys ADD COLUMN operation TEXT NOT NULL DEFAULT 'create';
            ALTER TABLE idempotency_keys ADD COLUMN lease_until TIMESTAMPTZ;
            CREATE INDEX idempotency_payment ON idempotency_keys (payment_id);
            """),
        ("v5_refunds_and_captures", """
            ALTER TABLE payments ADD COLUMN capture_method TEXT NOT NULL DEFAULT 'automatic';
            ALTER TABLE payments ADD COLUMN amount_captured BIGINT;
            ALTER TABLE payments ADD COLUMN pending_capture BIGINT;
            CREATE TABLE refunds (
                id TEXT PRIMARY KEY,
                payment_id TEXT NOT NULL REFERENCES payments(id),
                merchant_id TEXT NOT NULL,
                amount_value BIGINT NOT NULL,
                currency TEXT NOT NULL,
                status TEXT NOT NULL,
                reason TEXT,
                connection TEXT NOT NULL,
                psp_refund_id TEXT,
                psp_status TEXT,
                error_code TEXT,
                error_message TEXT,
                bank_account_json TEXT,
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            );
            CREATE INDEX refunds_payment ON refunds (payment_id, created_at);
            CREATE INDEX refunds_psp ON refunds (connection, psp_refund_id);
            CREATE INDEX refunds_merchant ON refunds (merchant_id, created_at);
            """),
        ("v6_settlement_lines", """
            ALTER TABLE payments ADD COLUMN succeeded_at TIMESTAMPTZ;
            CREATE INDEX payments_succeeded ON payments (connection, succeeded_at) WHERE succeeded_at IS NOT NULL;
            CREATE TABLE settlement_lines (
                connection TEXT NOT NULL,
                line_key TEXT NOT NULL,
                kind TEXT NOT NULL,
                psp_kind TEXT NOT NULL,
                psp_payment_id TEXT,
                psp_refund_id TEXT,
                reference TEXT,
                currency TEXT NOT NULL,
                amount_value BIGINT NOT NULL,
                fee_value BIGINT,
                occurred_at TIMESTAMPTZ NOT NULL,
                file_name TEXT NOT NULL,
                file_line BIGINT NOT NULL,
                imported_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (connection, line_key)
            );
            CREATE INDEX settlement_lines_payment ON settlement_lines (connection, psp_payment_id);
            """),
        ("v7_psp_call_transcripts", """
            CREATE TABLE psp_calls (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                payment_id TEXT NOT NULL,
                attempt_id TEXT,
                connection TEXT NOT NULL,
                flow TEXT NOT NULL,
                at TIMESTAMPTZ NOT NULL,
                transcript BYTEA NOT NULL
            );
            CREATE INDEX psp_calls_payment ON psp_calls (payment_id, id);
            """),
        ("v8_merchants_keys_secrets", """
            CREATE TABLE merchants (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                notification_url TEXT,
                created_at TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                merchant_id TEXT NOT NULL REFERENCES merchants(id),
                mode TEXT NOT NULL,
                digest TEXT NOT NULL UNIQUE,
                prefix TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                ends_at TIMESTAMPTZ,
                revoked BOOLEAN NOT NULL DEFAULT FALSE
            );
            CREATE TABLE merchant_secrets (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                merchant_id TEXT NOT NULL REFERENCES merchants(id),
                secret TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                ends_at TIMESTAMPTZ
            );
            CREATE INDEX merchant_secrets_merchant ON merchant_secrets (merchant_id, created_at);
            """),
        ("v9_list_indexes", """
            DROP INDEX payments_merchant_created;
            DROP INDEX payments_merchant_order;
            CREATE INDEX payments_merchant_created ON payments (merchant_id, created_at, id);
            CREATE INDEX payments_merchant_status ON payments (merchant_id, status, created_at, id);
            CREATE INDEX payments_merchant_order ON payments (merchant_id, order_id, created_at, id);
            """),
        ("v10_gateway_settings", """
            CREATE TABLE gateway_settings (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL
            );
            """),
        // What SQLite's v4 and v6 filled in and these did not: a database from before them kept open payments without a
        // next look, and paid ones without a time they succeeded. The same statements on both stores.
        ("v11_backfills", """
            UPDATE payments SET next_look_at = updated_at
            WHERE next_look_at IS NULL AND status IN ('processing', 'requires_action', 'authorized');
            UPDATE payments SET succeeded_at = updated_at WHERE succeeded_at IS NULL AND status = 'succeeded';
            """),
        // The console: operators, their sessions (a digest of the token), the audit log; the indexes of its searches and
        // of the routing what-if.
        ("v12_console", """
            CREATE TABLE operators (
                name TEXT PRIMARY KEY,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL,
                disabled BOOLEAN NOT NULL DEFAULT FALSE,
                created_at TIMESTAMPTZ NOT NULL
            );
            CREATE TABLE console_sessions (
                digest TEXT PRIMARY KEY,
                operator TEXT NOT NULL REFERENCES operators(name),
                csrf TEXT NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                expires_at TIMESTAMPTZ NOT NULL
            );
            CREATE INDEX console_sessions_operator ON console_sessions (operator);
            CREATE TABLE audit_log (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at TIMESTAMPTZ NOT NULL,
                operator TEXT NOT NULL,
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                detail TEXT NOT NULL
            );
            CREATE INDEX audit_log_at ON audit_log (at);
            CREATE INDEX payments_created ON payments (created_at, id);
            CREATE INDEX payments_order ON payments (order_id);
            CREATE INDEX attempts_started ON attempts (started_at);
            CREATE INDEX webhook_inbox_payment ON webhook_inbox (payment_id);
            """),
        // The UNIQUE (payment_id, sequence) constraint's index serves every lookup this one did (SQLite's v13 says more).
        ("v13_drop_duplicate_attempts_index", """
            DROP INDEX IF EXISTS attempts_payment;
            """),
    ]
}

extension PostgresMigrations {
    /// A constant key for `pg_advisory_lock`: instances starting together migrate one after another.
    static let lockKey: Int64 = 0x5041_5341_5245_4C41

    /// Applies the migrations the database lacks, each in its own transaction, under the advisory lock; refuses a
    /// database that a newer Pasarela migrated.
    static func apply(using executor: PostgresExecutor) async throws {
        try await executor.session { connection in
            try await PostgresExecutor.query(Statement("SELECT pg_advisory_lock(?)", [lockKey]), on: connection)
            do {
                try await migrate(on: connection)
            } catch {
                _ = try? await PostgresExecutor.query(Statement("SELECT pg_advisory_unlock(?)", [lockKey]), on: connection)
                throw error
            }
            try await PostgresExecutor.query(Statement("SELECT pg_advisory_unlock(?)", [lockKey]), on: connection)
        }
    }

    static func migrate(on connection: PostgresConnection) async throws {
        try await PostgresExecutor.query(Statement("""
            CREATE TABLE IF NOT EXISTS pasarela_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """), on: connection)
        let applied = Set(try await PostgresExecutor.query(Statement("SELECT id FROM pasarela_migrations"), on: connection)
            .map { try $0.text(required: "id") })
        let unknown = applied.subtracting(all.map(\.id))
        guard unknown.isEmpty else { throw StoreError.schemaTooNew(unknown.sorted()) }
        for migration in all where !applied.contains(migration.id) {
            try await PostgresExecutor.query(Statement("BEGIN"), on: connection)
            do {
                // One statement at a time: the extended protocol takes one per query (the DDL has no `;` inside a statement).
                for sql in migration.sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !sql.isEmpty {
                    try await PostgresExecutor.query(Statement(sql), on: connection)
                }
                try await PostgresExecutor.query(Statement("INSERT INTO pasarela_migrations (id) VALUES (?)", [migration.id]), on: connection)
                try await PostgresExecutor.query(Statement("COMMIT"), on: connection)
            } catch {
                _ = try? await PostgresExecutor.query(Statement("ROLLBACK"), on: connection)
                throw error
            }
        }
    }
}
