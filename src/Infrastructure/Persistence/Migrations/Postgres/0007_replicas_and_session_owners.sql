-- The replicas serving from this database (ADR 0031): each registers at start, heartbeats every few seconds and
-- removes itself on an orderly stop; one whose heartbeat is older than about three heartbeats is gone.
CREATE TABLE replicas (
    id           text        PRIMARY KEY,
    url          text        NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    started_at   timestamptz NOT NULL
);

-- Which replica holds each legacy session (initialize clients, /sse): any replica relays a request for it there.
CREATE TABLE session_owners (
    session_id text        PRIMARY KEY,
    replica_id text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX ix_session_owners_replica_id ON session_owners (replica_id);
