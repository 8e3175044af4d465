-- What an administrative change or decision was made to, other than a backend (ADR 0013): the user changed, the
-- preset, the tag, the grant or authorization request, the OAuth client consented to, the user whose connection was
-- revoked or approved. NULL for calls, sign-ins and backend changes, and for rows from before it was recorded.
ALTER TABLE audit_log ADD COLUMN target TEXT NULL;
