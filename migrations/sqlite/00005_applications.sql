-- +goose Up
-- Applications (SPEC §6): the same tables and columns as the Postgres migration. Times are
-- fixed-width UTC text, JSON is text.
CREATE TABLE applications (
    id               text PRIMARY KEY,
    round_id         text NOT NULL REFERENCES rounds (id),
    organisation_id  text NOT NULL REFERENCES organisations (id),
    reference        text,
    title            text NOT NULL DEFAULT '',
    summary          text NOT NULL DEFAULT '',
    requested_amount integer NOT NULL DEFAULT 0 CHECK (requested_amount >= 0),
    answers          text NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'submitted', 'more_info_requested', 'under_assessment',
                          'awarded', 'declined', 'withdrawn', 'ineligible')),
    revision         integer NOT NULL DEFAULT 0,
    submitted_at     text,
    started_at       text NOT NULL,
    created_by       text NOT NULL REFERENCES users (id),
    version          integer NOT NULL DEFAULT 1,
    created_at       text NOT NULL,
    updated_at       text NOT NULL
);
-- One live application per organisation per round: only withdrawing frees the place.
CREATE UNIQUE INDEX applications_one_live ON applications (round_id, organisation_id)
    WHERE status NOT IN ('withdrawn');
CREATE UNIQUE INDEX applications_reference ON applications (round_id, reference);
CREATE INDEX applications_round ON applications (round_id, id);
CREATE INDEX applications_round_status ON applications (round_id, status, id);
CREATE INDEX applications_organisation ON applications (organisation_id, id);
CREATE INDEX applications_status ON applications (status, id);

CREATE TABLE application_reference_counters (
    round_id text PRIMARY KEY REFERENCES rounds (id),
    last     integer NOT NULL
);

CREATE TABLE application_revisions (
    id               text PRIMARY KEY,
    application_id   text NOT NULL REFERENCES applications (id),
    number           integer NOT NULL CHECK (number >= 1),
    title            text NOT NULL,
    summary          text NOT NULL,
    requested_amount integer NOT NULL,
    answers          text NOT NULL,
    submitted_at     text NOT NULL,
    submitted_by     text NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX application_revisions_number ON application_revisions (application_id, number);
CREATE INDEX application_revisions_application ON application_revisions (application_id, id);
CREATE TRIGGER application_revisions_no_update BEFORE UPDATE ON application_revisions
BEGIN SELECT RAISE(ABORT, 'application_revisions are immutable'); END;
CREATE TRIGGER application_revisions_no_delete BEFORE DELETE ON application_revisions
BEGIN SELECT RAISE(ABORT, 'application_revisions are immutable'); END;

CREATE TABLE application_status_history (
    id             text PRIMARY KEY,
    application_id text NOT NULL REFERENCES applications (id),
    from_status    text NOT NULL DEFAULT '',
    to_status      text NOT NULL,
    at             text NOT NULL,
    actor_id       text NOT NULL DEFAULT '',
    actor_role     text NOT NULL DEFAULT '',
    reason         text NOT NULL DEFAULT ''
);
CREATE INDEX application_status_history_application ON application_status_history (application_id, id);

-- +goose Down
DROP TABLE application_status_history;
DROP TABLE application_revisions;
DROP TABLE application_reference_counters;
DROP TABLE applications;
