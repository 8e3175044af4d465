-- Each user's own connection to a per-user backend (ADR 0033): the secrets they entered and their OAuth state,
-- one blob encrypted with Data Protection per backend and user. The owner is a user id, or 'local' without auth.
CREATE TABLE user_connections (
    backend_id     uuid        NOT NULL REFERENCES backends (id) ON DELETE CASCADE,
    owner_key      text        NOT NULL,
    protected_blob bytea       NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (backend_id, owner_key)
);

-- A user's removal deletes all of their connections.
CREATE INDEX ix_user_connections_owner_key ON user_connections (owner_key);
