-- The audit log: one row per audited event (names and codes only, never arguments, results or secrets).
-- Appended in batches, listed newest first by id (the paging key), pruned by time.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    kind        text        NOT NULL,
    outcome     text        NOT NULL,
    user_name   text        NULL,
    subject     text        NULL,
    client_id   text        NULL,
    backend     text        NULL,
    name        text        NULL,
    duration_ms bigint      NOT NULL,
    error_code  text        NULL
);
CREATE INDEX ix_audit_log_occurred_at ON audit_log (occurred_at);
CREATE INDEX ix_audit_log_subject ON audit_log (subject, id);
CREATE INDEX ix_audit_log_backend ON audit_log (backend, id);
