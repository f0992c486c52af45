import GRDB

/// The schema, one named migration per change. Never edit a migration that has shipped: add one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_payments_attempts_idempotency_inbox") { db in
            try db.execute(sql: """
                CREATE TABLE payments (
                    id TEXT PRIMARY KEY NOT NULL,
                    merchant_id TEXT NOT NULL,
                    livemode INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    amount_value INTEGER NOT NULL,
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
                    requested_expires_at TEXT,
                    connection TEXT,
                    psp_payment_id TEXT,
                    next_action_json TEXT,
                    expires_at TEXT,
                    rule TEXT,
                    config_version TEXT,
                    needs_review TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE INDEX payments_merchant_order ON payments (merchant_id, order_id, created_at);
                CREATE INDEX payments_merchant_created ON payments (merchant_id, created_at);
                CREATE TABLE attempts (
                    id TEXT PRIMARY KEY NOT NULL,
                    payment_id TEXT NOT NULL REFERENCES payments(id),
                    sequence INTEGER NOT NULL,
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
                    started_at TEXT NOT NULL,
                    duration_ms INTEGER,
                    UNIQUE (payment_id, sequence)
                );
                CREATE INDEX attempts_psp ON attempts (connection, psp_payment_id);
                CREATE TABLE idempotency_keys (
                    merchant_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    request_hash TEXT NOT NULL,
                    payment_id TEXT NOT NULL,
                    reply_status INTEGER,
                    reply_body BLOB,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (merchant_id, key)
                );
                CREATE TABLE webhook_inbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    connection TEXT NOT NULL,
                    dedupe_key TEXT NOT NULL,
                    psp_payment_id TEXT NOT NULL,
                    payment_id TEXT,
                    psp_status TEXT NOT NULL,
                    result TEXT NOT NULL,
                    reason TEXT,
                    body BLOB NOT NULL,
                    received_at TEXT NOT NULL,
                    UNIQUE (connection, dedupe_key)
                );
                """)
        }
        migrator.registerMigration("v2_cash_network") { db in
            try db.execute(sql: "ALTER TABLE payments ADD COLUMN method_network TEXT")
        }
        migrator.registerMigration("v3_events_outbox_notifications") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    merchant_id TEXT NOT NULL,
                    payment_id TEXT NOT NULL REFERENCES payments(id),
                    type TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    body BLOB NOT NULL
                );
                CREATE INDEX events_merchant ON events (merchant_id, seq);
                CREATE INDEX events_payment ON events (payment_id, seq);
                CREATE TABLE notifications (
                    event_id TEXT PRIMARY KEY NOT NULL REFERENCES events(id),
                    merchant_id TEXT NOT NULL,
                    url TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT,
                    last_status INTEGER,
                    last_error TEXT,
                    delivered_at TEXT,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
                CREATE TABLE notification_attempts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    event_id TEXT NOT NULL REFERENCES events(id),
                    attempt INTEGER NOT NULL,
                    at TEXT NOT NULL,
                    http_status INTEGER,
                    error TEXT,
                    duration_ms INTEGER NOT NULL
                );
                CREATE INDEX notification_attempts_event ON notification_attempts (event_id, attempt);
                ALTER TABLE webhook_inbox ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0;
                """)
        }
        migrator.registerMigration("v4_one_writer_versions_reconciler_leases") { db in
            try db.execute(sql: """
                ALTER TABLE payments ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE payments ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE payments ADD COLUMN failure_code TEXT;
                ALTER TABLE payments ADD COLUMN failure_detail TEXT;
                ALTER TABLE payments ADD COLUMN late_payment INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE payments ADD COLUMN review_json TEXT;
                ALTER TABLE payments ADD COLUMN pending_cancel TEXT;
                ALTER TABLE payments ADD COLUMN lease_until TEXT;
                ALTER TABLE payments ADD COLUMN looks INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE payments ADD COLUMN next_look_at TEXT;
                UPDATE payments SET next_look_at = updated_at WHERE status IN ('processing', 'requires_action', 'authorized');
                CREATE INDEX payments_next_look ON payments (next_look_at) WHERE next_look_at IS NOT NULL;
                ALTER TABLE attempts ADD COLUMN needs_duplicate_check INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX attempts_payment ON attempts (payment_id, sequence);
                ALTER TABLE idempotency_keys ADD COLUMN operation TEXT NOT NULL DEFAULT 'create';
                ALTER TABLE idempotency_keys ADD COLUMN lease_until TEXT;
                CREATE INDEX idempotency_payment ON idempotency_keys (payment_id);
                """)
        }
        migrator.registerMigration("v5_refunds_and_captures") { db in
            try db.execute(sql: """
                ALTER TABLE payments ADD COLUMN capture_method TEXT NOT NULL DEFAULT 'automatic';
                ALTER TABLE payments ADD COLUMN amount_captured INTEGER;
                ALTER TABLE payments ADD COLUMN pending_capture INTEGER;
                CREATE TABLE refunds (
                    id TEXT PRIMARY KEY NOT NULL,
                    payment_id TEXT NOT NULL REFERENCES payments(id),
                    merchant_id TEXT NOT NULL,
                    amount_value INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    status TEXT NOT NULL,
                    reason TEXT,
                    connection TEXT NOT NULL,
                    psp_refund_id TEXT,
                    psp_status TEXT,
                    error_code TEXT,
                    error_message TEXT,
                    bank_account_json TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE INDEX refunds_payment ON refunds (payment_id, created_at);
                CREATE INDEX refunds_psp ON refunds (connection, psp_refund_id);
                CREATE INDEX refunds_merchant ON refunds (merchant_id, created_at);
                """)
        }
        migrator.registerMigration("v6_settlement_lines") { db in
            try db.execute(sql: """
                ALTER TABLE payments ADD COLUMN succeeded_at TEXT;
                UPDATE payments SET succeeded_at = updated_at WHERE status = 'succeeded';
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
                    amount_value INTEGER NOT NULL,
                    fee_value INTEGER,
                    occurred_at TEXT NOT NULL,
                    file_name TEXT NOT NULL,
                    file_line INTEGER NOT NULL,
                    imported_at TEXT NOT NULL,
                    PRIMARY KEY (connection, line_key)
                );
                CREATE INDEX settlement_lines_payment ON settlement_lines (connection, psp_payment_id);
                """)
        }
        migrator.registerMigration("v7_psp_call_transcripts") { db in
            try db.execute(sql: """
                CREATE TABLE psp_calls (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    payment_id TEXT NOT NULL,
                    attempt_id TEXT,
                    connection TEXT NOT NULL,
                    flow TEXT NOT NULL,
                    at TEXT NOT NULL,
                    transcript BLOB NOT NULL
                );
                CREATE INDEX psp_calls_payment ON psp_calls (payment_id, id);
                """)
        }
        migrator.registerMigration("v8_merchants_keys_secrets") { db in
            try db.execute(sql: """
                CREATE TABLE merchants (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    notification_url TEXT,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY NOT NULL,
                    merchant_id TEXT NOT NULL REFERENCES merchants(id),
                    mode TEXT NOT NULL,
                    digest TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    ends_at TEXT,
                    revoked INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE merchant_secrets (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    merchant_id TEXT NOT NULL REFERENCES merchants(id),
                    secret TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    ends_at TEXT
                );
                CREATE INDEX merchant_secrets_merchant ON merchant_secrets (merchant_id, created_at);
                """)
        }
        // Every list is a walk down one index in (created_at, id) order, filtered by merchant, and by status or
        // order id: keyset paging at any depth, no sort.
        migrator.registerMigration("v9_list_indexes") { db in
            try db.execute(sql: """
                DROP INDEX payments_merchant_created;
                DROP INDEX payments_merchant_order;
                CREATE INDEX payments_merchant_created ON payments (merchant_id, created_at, id);
                CREATE INDEX payments_merchant_status ON payments (merchant_id, status, created_at, id);
                CREATE INDEX payments_merchant_order ON payments (merchant_id, order_id, created_at, id);
                """)
        }
        // What a running gateway tells the tools that share its database (`pasarela reconcile --once` sends PSPs the
        // webhook URL the gateway serves under).
        migrator.registerMigration("v10_gateway_settings") { db in
            try db.execute(sql: """
                CREATE TABLE gateway_settings (
                    name TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                """)
        }
        // The data SQLite's v4 and v6 filled in and PostgreSQL's did not (a database from before them kept open payments
        // without a next look, and paid ones without a time they succeeded): the same statements on both, harmless where
        // there is nothing to fill.
        migrator.registerMigration("v11_backfills") { db in
            try db.execute(sql: """
                UPDATE payments SET next_look_at = updated_at
                WHERE next_look_at IS NULL AND status IN ('processing', 'requires_action', 'authorized');
                UPDATE payments SET succeeded_at = updated_at WHERE succeeded_at IS NULL AND status = 'succeeded';
                """)
        }
        // The console: operators (a password hash from a slow KDF, a role), their sessions (only a digest of the token),
        // the audit log of what they did; and the indexes the console's searches and the routing what-if read through.
        migrator.registerMigration("v12_console") { db in
            try db.execute(sql: """
                CREATE TABLE operators (
                    name TEXT PRIMARY KEY NOT NULL,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE console_sessions (
                    digest TEXT PRIMARY KEY NOT NULL,
                    operator TEXT NOT NULL REFERENCES operators(name),
                    csrf TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                );
                CREATE INDEX console_sessions_operator ON console_sessions (operator);
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at TEXT NOT NULL,
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
                """)
        }
        // The UNIQUE (payment_id, sequence) constraint's own index already serves every lookup this one did; each attempt
        // written updated both, one more B-tree page in every create's transaction.
        migrator.registerMigration("v13_drop_duplicate_attempts_index") { db in
            try db.execute(sql: "DROP INDEX IF EXISTS attempts_payment")
        }
        return migrator
    }
}
