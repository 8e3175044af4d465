-- A client request for tags the user may not grant alone waits for an administrator; the user's consent
-- page then redeems the approval once.
ALTER TABLE authorization_requests ADD COLUMN requires_admin boolean NOT NULL DEFAULT false;
ALTER TABLE authorization_requests ADD COLUMN redeemed_at timestamptz NULL;
UPDATE authorization_requests SET requires_admin = true WHERE kind = 'backend_connection';
