-- +goose Up
-- Applications (SPEC §6). version is the ETag, bumped on every change. reference is given
-- at first submission (PREFIX-0001), unique per round. started_at is when the draft began
-- (the round's grace period applies to applications started before closes_at).
CREATE TABLE applications (
    id               uuid PRIMARY KEY,
    round_id         uuid NOT NULL REFERENCES rounds (id),
    organisation_id  uuid NOT NULL REFERENCES organisations (id),
    reference        text,
    title            text NOT NULL DEFAULT '',
    summary          text NOT NULL DEFAULT '',
    requested_amount bigint NOT NULL DEFAULT 0 CHECK (requested_amount >= 0),
    answers          jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'submitted', 'more_info_requested', 'under_assessment',
                          'awarded', 'declined', 'withdrawn', 'ineligible')),
    revision         integer NOT NULL DEFAULT 0,
    submitted_at     timestamptz,
    started_at       timestamptz NOT NULL,
    created_by       uuid NOT NULL REFERENCES users (id),
    version          bigint NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
-- One live application per organisation per round: only withdrawing frees the place.
CREATE UNIQUE INDEX applications_one_live ON applications (round_id, organisation_id)
    WHERE status NOT IN ('withdrawn');
CREATE UNIQUE INDEX applications_reference ON applications (round_id, reference);
-- One index per list filter, each ending in id for the keyset.
CREATE INDEX applications_round ON applications (round_id, id);
CREATE INDEX applications_round_status ON applications (round_id, status, id);
CREATE INDEX applications_organisation ON applications (organisation_id, id);
CREATE INDEX applications_status ON applications (status, id);

-- The last reference number given in each round, bumped in the submitting transaction
-- (INSERT … ON CONFLICT DO UPDATE … RETURNING locks the row until commit).
CREATE TABLE application_reference_counters (
    round_id uuid PRIMARY KEY REFERENCES rounds (id),
    last     integer NOT NULL
);

-- The copy of an application made at each submission: immutable.
CREATE TABLE application_revisions (
    id               uuid PRIMARY KEY,
    application_id   uuid NOT NULL REFERENCES applications (id),
    number           integer NOT NULL CHECK (number >= 1),
    title            text NOT NULL,
    summary          text NOT NULL,
    requested_amount bigint NOT NULL,
    answers          jsonb NOT NULL,
    submitted_at     timestamptz NOT NULL,
    submitted_by     uuid NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX application_revisions_number ON application_revisions (application_id, number);
CREATE INDEX application_revisions_application ON application_revisions (application_id, id);

-- +goose StatementBegin
CREATE FUNCTION application_revisions_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'application_revisions are immutable';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER application_revisions_no_change BEFORE UPDATE OR DELETE ON application_revisions
    FOR EACH ROW EXECUTE FUNCTION application_revisions_immutable();

-- Every status change, with the reason or message the applicant reads.
CREATE TABLE application_status_history (
    id             uuid PRIMARY KEY,
    application_id uuid NOT NULL REFERENCES applications (id),
    from_status    text NOT NULL DEFAULT '',
    to_status      text NOT NULL,
    at             timestamptz NOT NULL,
    actor_id       text NOT NULL DEFAULT '',
    actor_role     text NOT NULL DEFAULT '',
    reason         text NOT NULL DEFAULT ''
);
CREATE INDEX application_status_history_application ON application_status_history (application_id, id);

-- +goose Down
DROP TABLE application_status_history;
DROP TRIGGER application_revisions_no_change ON application_revisions;
DROP FUNCTION application_revisions_immutable();
DROP TABLE application_revisions;
DROP TABLE application_reference_counters;
DROP TABLE applications;
