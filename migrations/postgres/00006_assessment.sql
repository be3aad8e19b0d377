-- +goose Up
-- Assessment (SPEC §7): conflicts of interest, assignments, assessments and their scores,
-- moderation. Every table carries round_id so a round's figures are read by index.

-- A panel member's declared conflict with one application: they can never read, be
-- assigned to, or score it.
CREATE TABLE assessment_conflicts (
    id             uuid PRIMARY KEY,
    round_id       uuid NOT NULL REFERENCES rounds (id),
    application_id uuid NOT NULL REFERENCES applications (id),
    user_id        uuid NOT NULL REFERENCES users (id),
    note           text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX assessment_conflicts_pair ON assessment_conflicts (application_id, user_id);
CREATE INDEX assessment_conflicts_round ON assessment_conflicts (round_id, user_id);

-- One panel member on one application.
CREATE TABLE assessment_assignments (
    id             uuid PRIMARY KEY,
    round_id       uuid NOT NULL REFERENCES rounds (id),
    application_id uuid NOT NULL REFERENCES applications (id),
    user_id        uuid NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX assessment_assignments_pair ON assessment_assignments (application_id, user_id);
CREATE INDEX assessment_assignments_round ON assessment_assignments (round_id, user_id, id);
CREATE INDEX assessment_assignments_user ON assessment_assignments (user_id, id);

-- A panel member's assessment of one application: a draft they autosave, then submitted
-- (immutable). One per panel member per application.
CREATE TABLE assessments (
    id              uuid PRIMARY KEY,
    round_id        uuid NOT NULL REFERENCES rounds (id),
    application_id  uuid NOT NULL REFERENCES applications (id),
    panel_member_id uuid NOT NULL REFERENCES users (id),
    scores          jsonb NOT NULL DEFAULT '{}',
    comments        jsonb NOT NULL DEFAULT '{}',
    recommendation  text NOT NULL DEFAULT '' CHECK (recommendation IN ('', 'fund', 'maybe', 'decline')),
    overall_comment text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    revision_scored integer NOT NULL DEFAULT 0,
    submitted_at    timestamptz,
    version         bigint NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX assessments_one_per_member ON assessments (application_id, panel_member_id);
CREATE INDEX assessments_round ON assessments (round_id, status, application_id);

-- A submitted assessment's scores, one row per criterion, with the criterion's weight and
-- scale copied from the round (frozen since it opened), so the ranking is one SQL query on
-- both databases without reading JSON.
CREATE TABLE assessment_scores (
    assessment_id  uuid NOT NULL REFERENCES assessments (id),
    round_id       uuid NOT NULL REFERENCES rounds (id),
    application_id uuid NOT NULL REFERENCES applications (id),
    criterion_id   text NOT NULL,
    score          integer NOT NULL,
    weight         double precision NOT NULL CHECK (weight > 0),
    scale_min      integer NOT NULL,
    scale_max      integer NOT NULL CHECK (scale_max > scale_min),
    PRIMARY KEY (assessment_id, criterion_id)
);
CREATE INDEX assessment_scores_round ON assessment_scores (round_id, application_id);

-- A grants manager's moderated score (0–100) for an application, shown beside the panel's
-- figures and used for ordering.
CREATE TABLE assessment_moderations (
    application_id uuid PRIMARY KEY REFERENCES applications (id),
    round_id       uuid NOT NULL REFERENCES rounds (id),
    score          double precision NOT NULL CHECK (score >= 0 AND score <= 100),
    note           text NOT NULL DEFAULT '',
    set_by         uuid NOT NULL REFERENCES users (id),
    version        bigint NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX assessment_moderations_round ON assessment_moderations (round_id);

-- Submitted assessments and their scores never change.
-- +goose StatementBegin
CREATE FUNCTION assessments_submitted_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'submitted' THEN
        RAISE EXCEPTION 'submitted assessments are immutable';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER assessments_submitted_no_change BEFORE UPDATE OR DELETE ON assessments
    FOR EACH ROW EXECUTE FUNCTION assessments_submitted_immutable();

-- +goose StatementBegin
CREATE FUNCTION assessment_scores_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'assessment_scores are immutable';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER assessment_scores_no_change BEFORE UPDATE OR DELETE ON assessment_scores
    FOR EACH ROW EXECUTE FUNCTION assessment_scores_immutable();

-- +goose Down
DROP TABLE assessment_moderations;
DROP TABLE assessment_scores;
DROP FUNCTION assessment_scores_immutable();
DROP TABLE assessments;
DROP FUNCTION assessments_submitted_immutable();
DROP TABLE assessment_assignments;
DROP TABLE assessment_conflicts;
