-- Aggregates of the domain. Conventions (SQLite): ids are lower-case GUID text, timestamps are INTEGER unix
-- microseconds (UTC), the precision of PostgreSQL's timestamptz, booleans are 0/1, JSON is TEXT checked by
-- json_valid, enums are lower-case snake_case text. STRICT tables refuse a value of the wrong type.

CREATE TABLE backends (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    origin      TEXT    NOT NULL CHECK (origin IN ('config', 'api')),
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    settings    TEXT    NOT NULL CHECK (json_valid(settings)),
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT ux_backends_name UNIQUE (name)
) STRICT;

CREATE TABLE tag_scopes (
    id            TEXT    NOT NULL PRIMARY KEY,
    tag           TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    policy        TEXT    NOT NULL CHECK (policy IN ('all_users', 'admins_only', 'named_users')),
    allowed_users TEXT    NOT NULL CHECK (json_valid(allowed_users)),
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT ux_tag_scopes_tag UNIQUE (tag)
) STRICT;

CREATE TABLE authorization_requests (
    id               TEXT    NOT NULL PRIMARY KEY,
    kind             TEXT    NOT NULL CHECK (kind IN ('client_consent', 'backend_connection')),
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    subject          TEXT    NOT NULL,
    client_id        TEXT    NULL,
    client_name      TEXT    NULL,
    backend_name     TEXT    NULL,
    requested_scopes TEXT    NOT NULL CHECK (json_valid(requested_scopes)),
    granted_scopes   TEXT    NOT NULL CHECK (json_valid(granted_scopes)),
    payload          TEXT    NOT NULL,
    version          INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    decided_at       INTEGER NULL,
    decided_by       TEXT    NULL
) STRICT;

CREATE INDEX ix_authorization_requests_status_expires_at ON authorization_requests (status, expires_at);
CREATE INDEX ix_authorization_requests_backend_name ON authorization_requests (backend_name) WHERE backend_name IS NOT NULL;

CREATE TABLE presets (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    expression  TEXT    NOT NULL,
    description TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT ux_presets_name UNIQUE (name)
) STRICT;

-- User names are ASCII (the domain says so), so NOCASE is a complete case-insensitive comparison.
CREATE TABLE users (
    id            TEXT    NOT NULL PRIMARY KEY,
    user_name     TEXT    NOT NULL COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('member', 'admin')),
    disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CONSTRAINT ux_users_user_name UNIQUE (user_name)
) STRICT;
