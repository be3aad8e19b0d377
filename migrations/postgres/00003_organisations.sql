-- +goose Up
-- Applicant groups (SPEC §4). Registration numbers are optional: unregistered groups are
-- first-class. version is the ETag, bumped on every change.
CREATE TABLE organisations (
    id                   uuid PRIMARY KEY,
    name                 text NOT NULL,
    legal_form           text NOT NULL DEFAULT '',
    charity_number       text NOT NULL DEFAULT '',
    company_number       text NOT NULL DEFAULT '',
    user_led             boolean NOT NULL DEFAULT false,
    user_led_description text NOT NULL DEFAULT '',
    led_by               jsonb NOT NULL DEFAULT '[]',
    publish_led_by       boolean NOT NULL DEFAULT false,
    annual_income        bigint CHECK (annual_income >= 0),
    postcode             text NOT NULL DEFAULT '',
    region               text NOT NULL DEFAULT '',
    website              text NOT NULL DEFAULT '',
    contact_email        text NOT NULL DEFAULT '',
    version              bigint NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE TABLE memberships (
    id              uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id),
    role            text NOT NULL CHECK (role IN ('owner', 'member')),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX memberships_organisation_user ON memberships (organisation_id, user_id);
CREATE INDEX memberships_user ON memberships (user_id, organisation_id);

-- One account per organisation. The details are sealed (AES-256-GCM) under key_id; only the
-- account number's last four digits are kept in the clear, for masking.
CREATE TABLE bank_accounts (
    id                uuid PRIMARY KEY,
    organisation_id   uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    key_id            text NOT NULL,
    sealed            bytea NOT NULL,
    last4             text NOT NULL,
    changed_at        timestamptz NOT NULL,
    cooling_off_until timestamptz,
    version           bigint NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX bank_accounts_organisation ON bank_accounts (organisation_id);

-- +goose Down
DROP TABLE bank_accounts;
DROP TABLE memberships;
DROP TABLE organisations;
