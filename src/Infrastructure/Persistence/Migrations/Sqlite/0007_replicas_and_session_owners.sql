-- The replicas serving from this database (ADR 0031): each registers at start, heartbeats every few seconds and
-- removes itself on an orderly stop; one whose heartbeat is older than about three heartbeats is gone.
-- SQLite serves one process, so it only ever holds this replica and its sessions: the same code path, no relay.
CREATE TABLE replicas (
    id           TEXT    PRIMARY KEY,
    url          TEXT    NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    started_at   INTEGER NOT NULL
);

-- Which replica holds each legacy session (initialize clients, /sse): any replica relays a request for it there.
CREATE TABLE session_owners (
    session_id TEXT    PRIMARY KEY,
    replica_id TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_session_owners_replica_id ON session_owners (replica_id);
