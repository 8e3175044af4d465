-- Aggregates of the domain. Conventions (PostgreSQL): ids are uuid, timestamps are timestamptz (microseconds),
-- JSON is jsonb, enums are lower-case snake_case text. Same logical shape as the SQLite scripts.

CREATE TABLE backends (
    id          uuid        NOT NULL PRIMARY KEY,
    name        text        NOT NULL,
    origin      text        NOT NULL CHECK (origin IN ('config', 'api')),
    enabled     boolean     NOT NULL,
    settings    jsonb       NOT NULL,
    version     integer     NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT ux_backends_name UNIQUE (name)
);

CREATE TABLE tag_scopes (
    id            uuid        NOT NULL PRIMARY KEY,
    tag           text        NOT NULL,
    description   text        NOT NULL,
    policy        text        NOT NULL CHECK (policy IN ('all_users', 'admins_only', 'named_users')),
    allowed_users jsonb       NOT NULL,
    version       integer     NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT ux_tag_scopes_tag UNIQUE (tag)
);

CREATE TABLE authorization_requests (
    id               uuid        NOT NULL PRIMARY KEY,
    kind             text        NOT NULL CHECK (kind IN ('client_consent', 'backend_connection')),
    status           text        NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    subject          text        NOT NULL,
    client_id        text        NULL,
    client_name      text        NULL,
    backend_name     text        NULL,
    requested_scopes jsonb       NOT NULL,
    granted_scopes   jsonb       NOT NULL,
    payload          text        NOT NULL,
    version          integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    decided_at       timestamptz NULL,
    decided_by       text        NULL
);

CREATE INDEX ix_authorization_requests_status_expires_at ON authorization_requests (status, expires_at);
CREATE INDEX ix_authorization_requests_backend_name ON authorization_requests (backend_name) WHERE backend_name IS NOT NULL;

CREATE TABLE presets (
    id          uuid        NOT NULL PRIMARY KEY,
    name        text        NOT NULL,
    expression  text        NOT NULL,
    description text        NOT NULL,
    version     integer     NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT ux_presets_name UNIQUE (name)
);

CREATE TABLE users (
    id            uuid        NOT NULL PRIMARY KEY,
    user_name     text        NOT NULL,
    password_hash text        NOT NULL,
    role          text        NOT NULL CHECK (role IN ('member', 'admin')),
    disabled      boolean     NOT NULL,
    version       integer     NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

-- User names are unique case-insensitively (they are ASCII, so lower() is exact).
CREATE UNIQUE INDEX ux_users_user_name ON users (lower(user_name));
