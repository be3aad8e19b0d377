-- +goose Up
-- Decisions, awards and payments (SPEC §8). Money is integer minor units.

-- A manager's decision on an application under assessment: changeable until the round's
-- decisions are published.
CREATE TABLE decisions (
    id             text PRIMARY KEY,
    round_id       text NOT NULL REFERENCES rounds (id),
    application_id text NOT NULL REFERENCES applications (id),
    outcome        text NOT NULL CHECK (outcome IN ('award', 'decline')),
    amount         integer NOT NULL DEFAULT 0 CHECK (amount >= 0),
    conditions     text NOT NULL DEFAULT '',
    feedback       text NOT NULL DEFAULT '',
    amount_reason  text NOT NULL DEFAULT '',
    decided_by     text NOT NULL REFERENCES users (id),
    published_at   text,
    version        integer NOT NULL DEFAULT 1,
    created_at     text NOT NULL,
    updated_at     text NOT NULL
);
CREATE UNIQUE INDEX decisions_application ON decisions (application_id);
CREATE INDEX decisions_round ON decisions (round_id, id);

-- An award offered to a group when decisions are published.
CREATE TABLE awards (
    id                text PRIMARY KEY,
    round_id          text NOT NULL REFERENCES rounds (id),
    application_id    text NOT NULL REFERENCES applications (id),
    organisation_id   text NOT NULL REFERENCES organisations (id),
    amount            integer NOT NULL CHECK (amount > 0),
    currency          text NOT NULL,
    conditions        text NOT NULL DEFAULT '',
    status            text NOT NULL DEFAULT 'offered'
        CHECK (status IN ('offered', 'accepted', 'active', 'completed', 'declined', 'withdrawn')),
    offered_at        text NOT NULL,
    accepted_at       text,
    accepted_by       text REFERENCES users (id),
    signed_name       text NOT NULL DEFAULT '',
    agreement_version text NOT NULL DEFAULT '',
    status_reason     text NOT NULL DEFAULT '',
    version           integer NOT NULL DEFAULT 1,
    created_at        text NOT NULL,
    updated_at        text NOT NULL
);
CREATE UNIQUE INDEX awards_application ON awards (application_id);
-- The finance sync pages by (updated_at, id); the others are the list filters.
CREATE INDEX awards_sync ON awards (updated_at, id);
CREATE INDEX awards_round ON awards (round_id, id);
CREATE INDEX awards_organisation ON awards (organisation_id, id);

-- The instalments of an award. bank_account_version is the version of the organisation's
-- bank account the payment was approved against (a later change sends it back).
CREATE TABLE payments (
    id                   text PRIMARY KEY,
    award_id             text NOT NULL REFERENCES awards (id),
    round_id             text NOT NULL REFERENCES rounds (id),
    organisation_id      text NOT NULL REFERENCES organisations (id),
    sequence             integer NOT NULL CHECK (sequence >= 1),
    amount               integer NOT NULL CHECK (amount > 0),
    due_date             text NOT NULL,
    status               text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'approved', 'paid', 'cancelled')),
    approved_at          text,
    approved_by          text REFERENCES users (id),
    bank_account_version integer NOT NULL DEFAULT 0,
    paid_on              text NOT NULL DEFAULT '',
    reference            text NOT NULL DEFAULT '',
    paid_by              text NOT NULL DEFAULT '',
    version              integer NOT NULL DEFAULT 1,
    created_at           text NOT NULL,
    updated_at           text NOT NULL
);
CREATE UNIQUE INDEX payments_sequence ON payments (award_id, sequence);
CREATE INDEX payments_sync ON payments (updated_at, id);
CREATE INDEX payments_award ON payments (award_id, id);
CREATE INDEX payments_organisation ON payments (organisation_id, status);
CREATE INDEX payments_due ON payments (status, due_date, id);

-- +goose Down
DROP TABLE payments;
DROP TABLE awards;
DROP TABLE decisions;
