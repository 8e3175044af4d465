-- Client registrations that never led to an authorization are pruned a day after they were made: each registration
-- records when it was made, and whether an authorization was ever created for it (authorizations themselves are
-- pruned later, which must not make a used client look unused). Rows from before this migration count from now;
-- those with an authorization or a token are marked used.
ALTER TABLE openiddict_applications ADD COLUMN creation_date timestamptz NULL;
ALTER TABLE openiddict_applications ADD COLUMN ever_authorized boolean NOT NULL DEFAULT false;
UPDATE openiddict_applications SET creation_date = date_trunc('milliseconds', now());
UPDATE openiddict_applications a SET ever_authorized = true
 WHERE EXISTS (SELECT 1 FROM openiddict_authorizations z WHERE z.application_id = a.id)
    OR EXISTS (SELECT 1 FROM openiddict_tokens t WHERE t.application_id = a.id);
CREATE INDEX ix_openiddict_applications_creation_date ON openiddict_applications (creation_date);
