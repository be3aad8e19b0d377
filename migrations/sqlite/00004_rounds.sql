-- +goose Up
CREATE TABLE programmes (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    version     integer NOT NULL DEFAULT 1,
    created_at  text NOT NULL,
    updated_at  text NOT NULL
);

CREATE TABLE rounds (
    id                        text PRIMARY KEY,
    programme_id              text NOT NULL REFERENCES programmes (id),
    name                      text NOT NULL,
    description               text NOT NULL DEFAULT '',
    reference_prefix          text NOT NULL,
    currency                  text NOT NULL DEFAULT 'GBP',
    budget                    integer NOT NULL CHECK (budget >= 0),
    min_grant                 integer NOT NULL CHECK (min_grant >= 0),
    max_grant                 integer NOT NULL CHECK (max_grant >= min_grant),
    opens_at                  text NOT NULL,
    closes_at                 text NOT NULL,
    grace_minutes             integer NOT NULL DEFAULT 0,
    reviewers_per_application integer NOT NULL DEFAULT 2,
    blind_assessment          integer NOT NULL DEFAULT 1,
    eligibility               text NOT NULL DEFAULT '{}',
    form                      text NOT NULL DEFAULT '{}',
    criteria                  text NOT NULL DEFAULT '[]',
    report_schedule           text NOT NULL DEFAULT '[]',
    report_form               text NOT NULL DEFAULT '{}',
    status                    text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'open', 'closed', 'assessment', 'decided', 'archived')),
    version                   integer NOT NULL DEFAULT 1,
    created_at                text NOT NULL,
    updated_at                text NOT NULL
);
-- Application references are PREFIX-0001: one prefix per round in the deployment.
CREATE UNIQUE INDEX rounds_reference_prefix ON rounds (reference_prefix);
-- The public list (open and closed rounds, newest first) and the programme filter.
CREATE INDEX rounds_status ON rounds (status, id);
CREATE INDEX rounds_programme ON rounds (programme_id, id);

-- A round's assessment panel (GET/PUT /v1/rounds/{id}/panel): panel_member users.
CREATE TABLE round_panel_members (
    round_id text NOT NULL REFERENCES rounds (id),
    user_id  text NOT NULL REFERENCES users (id),
    added_at text NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
-- The rounds a panel member sits on.
CREATE INDEX round_panel_members_user ON round_panel_members (user_id, round_id);

-- +goose Down
DROP TABLE round_panel_members;
DROP TABLE rounds;
DROP TABLE programmes;
