-- OpenIddict entities (the Dapper stores come with the OAuth server). Ids are text, as OpenIddict's store API
-- speaks string identifiers, dates are INTEGER unix microseconds, the JSON columns are TEXT as in OpenIddict's own models.

CREATE TABLE openiddict_applications (
    id                        TEXT NOT NULL PRIMARY KEY,
    concurrency_token         TEXT NULL,
    client_id                 TEXT NULL,
    client_secret             TEXT NULL,
    client_type               TEXT NULL,
    application_type          TEXT NULL,
    consent_type              TEXT NULL,
    display_name              TEXT NULL,
    display_names             TEXT NULL,
    json_web_key_set          TEXT NULL,
    permissions               TEXT NULL,
    post_logout_redirect_uris TEXT NULL,
    properties                TEXT NULL,
    redirect_uris             TEXT NULL,
    requirements              TEXT NULL,
    settings                  TEXT NULL,
    CONSTRAINT ux_openiddict_applications_client_id UNIQUE (client_id)
) STRICT;

CREATE TABLE openiddict_authorizations (
    id                TEXT    NOT NULL PRIMARY KEY,
    application_id    TEXT    NULL REFERENCES openiddict_applications (id) ON DELETE CASCADE,
    concurrency_token TEXT    NULL,
    creation_date     INTEGER NULL,
    properties        TEXT    NULL,
    scopes            TEXT    NULL,
    status            TEXT    NULL,
    subject           TEXT    NULL,
    type              TEXT    NULL
) STRICT;

CREATE INDEX ix_openiddict_authorizations_application_status_subject_type
    ON openiddict_authorizations (application_id, status, subject, type);
CREATE INDEX ix_openiddict_authorizations_creation_date ON openiddict_authorizations (creation_date);

CREATE TABLE openiddict_scopes (
    id                TEXT NOT NULL PRIMARY KEY,
    concurrency_token TEXT NULL,
    description       TEXT NULL,
    descriptions      TEXT NULL,
    display_name      TEXT NULL,
    display_names     TEXT NULL,
    name              TEXT NULL,
    properties        TEXT NULL,
    resources         TEXT NULL,
    CONSTRAINT ux_openiddict_scopes_name UNIQUE (name)
) STRICT;

CREATE TABLE openiddict_tokens (
    id                TEXT    NOT NULL PRIMARY KEY,
    application_id    TEXT    NULL REFERENCES openiddict_applications (id) ON DELETE CASCADE,
    authorization_id  TEXT    NULL REFERENCES openiddict_authorizations (id) ON DELETE CASCADE,
    concurrency_token TEXT    NULL,
    creation_date     INTEGER NULL,
    expiration_date   INTEGER NULL,
    payload           TEXT    NULL,
    properties        TEXT    NULL,
    redemption_date   INTEGER NULL,
    reference_id      TEXT    NULL,
    status            TEXT    NULL,
    subject           TEXT    NULL,
    type              TEXT    NULL,
    CONSTRAINT ux_openiddict_tokens_reference_id UNIQUE (reference_id)
) STRICT;

CREATE INDEX ix_openiddict_tokens_application_status_subject_type
    ON openiddict_tokens (application_id, status, subject, type);
CREATE INDEX ix_openiddict_tokens_authorization_id ON openiddict_tokens (authorization_id);
CREATE INDEX ix_openiddict_tokens_creation_date ON openiddict_tokens (creation_date);
