-- +goose Up
CREATE TABLE programmes (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE rounds (
    id                        uuid PRIMARY KEY,
    programme_id              uuid NOT NULL REFERENCES programmes (id),
    name                      text NOT NULL,
    description               text NOT NULL DEFAULT '',
    reference_prefix          text NOT NULL,
    currency                  text NOT NULL DEFAULT 'GBP',
    budget                    bigint NOT NULL CHECK (budget >= 0),
    min_grant                 bigint NOT NULL CHECK (min_grant >= 0),
    max_grant                 bigint NOT NULL CHECK (max_grant >= min_grant),
    opens_at                  timestamptz NOT NULL,
    closes_at                 timestamptz NOT NULL,
    grace_minutes             integer NOT NULL DEFAULT 0,
    reviewers_per_application integer NOT NULL DEFAULT 2,
    blind_assessment          boolean NOT NULL DEFAULT true,
    eligibility               jsonb NOT NULL DEFAULT '{}',
    form                      jsonb NOT NULL DEFAULT '{}',
    criteria                  jsonb NOT NULL DEFAULT '[]',
    report_schedule           jsonb NOT NULL DEFAULT '[]',
    report_form               jsonb NOT NULL DEFAULT '{}',
    status                    text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'open', 'closed', 'assessment', 'decided', 'archived')),
    version                   bigint NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL
);
-- Application references are PREFIX-0001: one prefix per round in the deployment.
CREATE UNIQUE INDEX rounds_reference_prefix ON rounds (reference_prefix);
-- The public list (open and closed rounds, newest first) and the programme filter.
CREATE INDEX rounds_status ON rounds (status, id);
CREATE INDEX rounds_programme ON rounds (programme_id, id);

-- A round's assessment panel (GET/PUT /v1/rounds/{id}/panel): panel_member users.
CREATE TABLE round_panel_members (
    round_id uuid NOT NULL REFERENCES rounds (id),
    user_id  uuid NOT NULL REFERENCES users (id),
    added_at timestamptz NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
-- The rounds a panel member sits on.
CREATE INDEX round_panel_members_user ON round_panel_members (user_id, round_id);

-- +goose Down
DROP TABLE round_panel_members;
DROP TABLE rounds;
DROP TABLE programmes;
