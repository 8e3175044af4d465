-- OpenIddict entities (the Dapper stores come with the OAuth server). Ids are text, as OpenIddict's store API
-- speaks string identifiers, dates are timestamptz, the JSON columns are text as in OpenIddict's own models.

CREATE TABLE openiddict_applications (
    id                        text NOT NULL PRIMARY KEY,
    concurrency_token         text NULL,
    client_id                 text NULL,
    client_secret             text NULL,
    client_type               text NULL,
    application_type          text NULL,
    consent_type              text NULL,
    display_name              text NULL,
    display_names             text NULL,
    json_web_key_set          text NULL,
    permissions               text NULL,
    post_logout_redirect_uris text NULL,
    properties                text NULL,
    redirect_uris             text NULL,
    requirements              text NULL,
    settings                  text NULL,
    CONSTRAINT ux_openiddict_applications_client_id UNIQUE (client_id)
);

CREATE TABLE openiddict_authorizations (
    id                text        NOT NULL PRIMARY KEY,
    application_id    text        NULL REFERENCES openiddict_applications (id) ON DELETE CASCADE,
    concurrency_token text        NULL,
    creation_date     timestamptz NULL,
    properties        text        NULL,
    scopes            text        NULL,
    status            text        NULL,
    subject           text        NULL,
    type              text        NULL
);

CREATE INDEX ix_openiddict_authorizations_application_status_subject_type
    ON openiddict_authorizations (application_id, status, subject, type);
CREATE INDEX ix_openiddict_authorizations_creation_date ON openiddict_authorizations (creation_date);

CREATE TABLE openiddict_scopes (
    id                text NOT NULL PRIMARY KEY,
    concurrency_token text NULL,
    description       text NULL,
    descriptions      text NULL,
    display_name      text NULL,
    display_names     text NULL,
    name              text NULL,
    properties        text NULL,
    resources         text NULL,
    CONSTRAINT ux_openiddict_scopes_name UNIQUE (name)
);

CREATE TABLE openiddict_tokens (
    id                text        NOT NULL PRIMARY KEY,
    application_id    text        NULL REFERENCES openiddict_applications (id) ON DELETE CASCADE,
    authorization_id  text        NULL REFERENCES openiddict_authorizations (id) ON DELETE CASCADE,
    concurrency_token text        NULL,
    creation_date     timestamptz NULL,
    expiration_date   timestamptz NULL,
    payload           text        NULL,
    properties        text        NULL,
    redemption_date   timestamptz NULL,
    reference_id      text        NULL,
    status            text        NULL,
    subject           text        NULL,
    type              text        NULL,
    CONSTRAINT ux_openiddict_tokens_reference_id UNIQUE (reference_id)
);

CREATE INDEX ix_openiddict_tokens_application_status_subject_type
    ON openiddict_tokens (application_id, status, subject, type);
CREATE INDEX ix_openiddict_tokens_authorization_id ON openiddict_tokens (authorization_id);
CREATE INDEX ix_openiddict_tokens_creation_date ON openiddict_tokens (creation_date);
