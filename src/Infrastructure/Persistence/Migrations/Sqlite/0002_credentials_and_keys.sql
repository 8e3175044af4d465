-- A backend's OAuth tokens (and DCR client), encrypted with Data Protection, one blob per backend.
CREATE TABLE backend_credentials (
    backend_id     TEXT    NOT NULL PRIMARY KEY REFERENCES backends (id) ON DELETE CASCADE,
    protected_blob BLOB    NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

-- ASP.NET Core Data Protection key ring, shared by every replica.
CREATE TABLE data_protection_keys (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    friendly_name TEXT    NOT NULL,
    xml           TEXT    NOT NULL,
    CONSTRAINT ux_data_protection_keys_friendly_name UNIQUE (friendly_name)
) STRICT;
