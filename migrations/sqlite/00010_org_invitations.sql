-- +goose Up
-- Issue 12: invitations to join a group, the duplicate-name warning's key, and the rate
-- limits' shared counts.

-- An owner invites an email to join their organisation as owner or member. There is no
-- token: the invitee, signed in with that email, sees the invitation at
-- GET /v1/me/invitations and accepts it, so nothing secret is stored. Single use
-- (accepted_at), revocable (revoked_at) and expiring (expires_at, 14 days by default).
CREATE TABLE organisation_invitations (
    id              text PRIMARY KEY,
    organisation_id text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email           text NOT NULL,
    role            text NOT NULL CHECK (role IN ('owner', 'member')),
    invited_by      text NOT NULL REFERENCES users (id),
    created_at      text NOT NULL,
    expires_at      text NOT NULL,
    accepted_at     text,
    accepted_by     text REFERENCES users (id),
    revoked_at      text
);
CREATE INDEX organisation_invitations_organisation ON organisation_invitations (organisation_id, id);
CREATE INDEX organisation_invitations_email ON organisation_invitations (email, id);

-- name_key is the organisation's name folded for comparison (organisation.NameKey: lower
-- case, letters and digits, single spaces), so a second group of the same name gets a
-- warning. Rows from before are keyed approximately; every write recomputes the key.
ALTER TABLE organisations ADD COLUMN name_key text NOT NULL DEFAULT '';
UPDATE organisations SET name_key = lower(trim(name));
CREATE INDEX organisations_name_key ON organisations (name_key);

-- Rate-limit counts, shared by every replica: one row per bucket (a SHA-256, never an email
-- or address in the clear) and fixed window; a sliding window is estimated from the
-- current and the previous one. Rows past expires_at are swept as new counts arrive.
CREATE TABLE rate_limits (
    bucket       text NOT NULL,
    window_start text NOT NULL,
    count        integer NOT NULL,
    expires_at   text NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);

-- +goose Down
DROP TABLE rate_limits;
DROP INDEX organisations_name_key;
ALTER TABLE organisations DROP COLUMN name_key;
DROP TABLE organisation_invitations;
