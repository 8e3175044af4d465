-- Users of the team's identity provider (ADR 0034): who the provider says they are (its issuer and their 'sub') and
-- the groups it named at their last sign-in. Local users have no subject and no groups; provider users have an
-- empty password hash (they cannot use the sign-in form). Tag-scope policies may name groups as well as users.
ALTER TABLE users ADD COLUMN external_subject text NULL;
ALTER TABLE users ADD COLUMN groups jsonb NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX ux_users_external_subject ON users (external_subject) WHERE external_subject IS NOT NULL;
ALTER TABLE tag_scopes ADD COLUMN allowed_groups jsonb NOT NULL DEFAULT '[]';
