-- +goose Up
-- Applicant groups (SPEC §4). Registration numbers are optional: unregistered groups are
-- first-class. version is the ETag, bumped on every change.
CREATE TABLE organisations (
    id                   text PRIMARY KEY,
    name                 text NOT NULL,
    legal_form           text NOT NULL DEFAULT '',
    charity_number       text NOT NULL DEFAULT '',
    company_number       text NOT NULL DEFAULT '',
    user_led             integer NOT NULL DEFAULT 0,
    user_led_description text NOT NULL DEFAULT '',
    led_by               text NOT NULL DEFAULT '[]',
    publish_led_by       integer NOT NULL DEFAULT 0,
    annual_income        integer CHECK (annual_income >= 0),
    postcode             text NOT NULL DEFAULT '',
    region               text NOT NULL DEFAULT '',
    website              text NOT NULL DEFAULT '',
    contact_email        text NOT NULL DEFAULT '',
    version              integer NOT NULL DEFAULT 1,
    created_at           text NOT NULL,
    updated_at           text NOT NULL
);

CREATE TABLE memberships (
    id              text PRIMARY KEY,
    organisation_id text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES users (id),
    role            text NOT NULL CHECK (role IN ('owner', 'member')),
    created_at      text NOT NULL,
    updated_at      text NOT NULL
);
CREATE UNIQUE INDEX memberships_organisation_user ON memberships (organisation_id, user_id);
CREATE INDEX memberships_user ON memberships (user_id, organisation_id);

-- One account per organisation. The details are sealed (AES-256-GCM) under key_id; only the
-- account number's last four digits are kept in the clear, for masking.
CREATE TABLE bank_accounts (
    id                text PRIMARY KEY,
    organisation_id   text NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    key_id            text NOT NULL,
    sealed            blob NOT NULL,
    last4             text NOT NULL,
    changed_at        text NOT NULL,
    cooling_off_until text,
    version           integer NOT NULL DEFAULT 1,
    created_at        text NOT NULL,
    updated_at        text NOT NULL
);
CREATE UNIQUE INDEX bank_accounts_organisation ON bank_accounts (organisation_id);

-- +goose Down
DROP TABLE bank_accounts;
DROP TABLE memberships;
DROP TABLE organisations;
