-- The audit log: one row per audited event (names and codes only, never arguments, results or secrets).
-- Appended in batches, listed newest first by id (the paging key), pruned by time.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    user_name   TEXT    NULL,
    subject     TEXT    NULL,
    client_id   TEXT    NULL,
    backend     TEXT    NULL,
    name        TEXT    NULL,
    duration_ms INTEGER NOT NULL,
    error_code  TEXT    NULL
);
CREATE INDEX ix_audit_log_occurred_at ON audit_log (occurred_at);
CREATE INDEX ix_audit_log_subject ON audit_log (subject, id);
CREATE INDEX ix_audit_log_backend ON audit_log (backend, id);
