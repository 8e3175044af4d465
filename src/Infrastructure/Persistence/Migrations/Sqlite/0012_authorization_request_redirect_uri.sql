-- Where a client's request sends the browser (and the authorization code) once decided: an administrator sees its
-- host in the Requests view before approving (ADR 0055). NULL for backend connections and for rows from before it
-- was recorded.
ALTER TABLE authorization_requests ADD COLUMN redirect_uri TEXT NULL;
