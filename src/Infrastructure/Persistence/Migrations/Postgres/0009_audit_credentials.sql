-- Whose credentials a call used (ADR 0033): 'user' (the caller's own connection to a per-user backend) or 'shared';
-- NULL for events that are not calls to a backend, and for rows from before per-user backends.
ALTER TABLE audit_log ADD COLUMN credentials text NULL;
