-- Each audit entry's identity, fixed when it is queued (16 bytes of a UUID): a batch written again after its commit
-- was not acknowledged (the connection dropped) adds nothing twice. NULL for rows from before it was recorded.
ALTER TABLE audit_log ADD COLUMN entry_key BLOB NULL;
CREATE UNIQUE INDEX ux_audit_log_entry_key ON audit_log (entry_key);
