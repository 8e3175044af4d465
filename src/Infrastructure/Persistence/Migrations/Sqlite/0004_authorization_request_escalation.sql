-- A client request for tags the user may not grant alone waits for an administrator; the user's consent
-- page then redeems the approval once.
ALTER TABLE authorization_requests ADD COLUMN requires_admin INTEGER NOT NULL DEFAULT 0 CHECK (requires_admin IN (0, 1));
ALTER TABLE authorization_requests ADD COLUMN redeemed_at INTEGER NULL;
UPDATE authorization_requests SET requires_admin = 1 WHERE kind = 'backend_connection';
