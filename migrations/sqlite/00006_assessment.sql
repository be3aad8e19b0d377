-- +goose Up
-- Assessment (SPEC §7): the same tables and columns as the Postgres migration. Times are
-- fixed-width UTC text, JSON is text.

-- A panel member's declared conflict with one application: they can never read, be
-- assigned to, or score it.
CREATE TABLE assessment_conflicts (
    id             text PRIMARY KEY,
    round_id       text NOT NULL REFERENCES rounds (id),
    application_id text NOT NULL REFERENCES applications (id),
    user_id        text NOT NULL REFERENCES users (id),
    note           text NOT NULL DEFAULT '',
    created_at     text NOT NULL,
    updated_at     text NOT NULL
);
CREATE UNIQUE INDEX assessment_conflicts_pair ON assessment_conflicts (application_id, user_id);
CREATE INDEX assessment_conflicts_round ON assessment_conflicts (round_id, user_id);

-- One panel member on one application.
CREATE TABLE assessment_assignments (
    id             text PRIMARY KEY,
    round_id       text NOT NULL REFERENCES rounds (id),
    application_id text NOT NULL REFERENCES applications (id),
    user_id        text NOT NULL REFERENCES users (id),
    created_at     text NOT NULL,
    updated_at     text NOT NULL
);
CREATE UNIQUE INDEX assessment_assignments_pair ON assessment_assignments (application_id, user_id);
CREATE INDEX assessment_assignments_round ON assessment_assignments (round_id, user_id, id);
CREATE INDEX assessment_assignments_user ON assessment_assignments (user_id, id);

-- A panel member's assessment of one application: a draft they autosave, then submitted
-- (immutable). One per panel member per application.
CREATE TABLE assessments (
    id              text PRIMARY KEY,
    round_id        text NOT NULL REFERENCES rounds (id),
    application_id  text NOT NULL REFERENCES applications (id),
    panel_member_id text NOT NULL REFERENCES users (id),
    scores          text NOT NULL DEFAULT '{}',
    comments        text NOT NULL DEFAULT '{}',
    recommendation  text NOT NULL DEFAULT '' CHECK (recommendation IN ('', 'fund', 'maybe', 'decline')),
    overall_comment text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    revision_scored integer NOT NULL DEFAULT 0,
    submitted_at    text,
    version         integer NOT NULL DEFAULT 1,
    created_at      text NOT NULL,
    updated_at      text NOT NULL
);
CREATE UNIQUE INDEX assessments_one_per_member ON assessments (application_id, panel_member_id);
CREATE INDEX assessments_round ON assessments (round_id, status, application_id);

-- A submitted assessment's scores, one row per criterion, with the criterion's weight and
-- scale copied from the round (frozen since it opened), so the ranking is one SQL query on
-- both databases without reading JSON.
CREATE TABLE assessment_scores (
    assessment_id  text NOT NULL REFERENCES assessments (id),
    round_id       text NOT NULL REFERENCES rounds (id),
    application_id text NOT NULL REFERENCES applications (id),
    criterion_id   text NOT NULL,
    score          integer NOT NULL,
    weight         real NOT NULL CHECK (weight > 0),
    scale_min      integer NOT NULL,
    scale_max      integer NOT NULL CHECK (scale_max > scale_min),
    PRIMARY KEY (assessment_id, criterion_id)
);
CREATE INDEX assessment_scores_round ON assessment_scores (round_id, application_id);

-- A grants manager's moderated score (0–100) for an application, shown beside the panel's
-- figures and used for ordering.
CREATE TABLE assessment_moderations (
    application_id text PRIMARY KEY REFERENCES applications (id),
    round_id       text NOT NULL REFERENCES rounds (id),
    score          real NOT NULL CHECK (score >= 0 AND score <= 100),
    note           text NOT NULL DEFAULT '',
    set_by         text NOT NULL REFERENCES users (id),
    version        integer NOT NULL DEFAULT 1,
    created_at     text NOT NULL,
    updated_at     text NOT NULL
);
CREATE INDEX assessment_moderations_round ON assessment_moderations (round_id);

-- Submitted assessments and their scores never change.
CREATE TRIGGER assessments_submitted_no_update BEFORE UPDATE ON assessments WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted assessments are immutable'); END;
CREATE TRIGGER assessments_submitted_no_delete BEFORE DELETE ON assessments WHEN OLD.status = 'submitted'
BEGIN SELECT RAISE(ABORT, 'submitted assessments are immutable'); END;
CREATE TRIGGER assessment_scores_no_update BEFORE UPDATE ON assessment_scores
BEGIN SELECT RAISE(ABORT, 'assessment_scores are immutable'); END;
CREATE TRIGGER assessment_scores_no_delete BEFORE DELETE ON assessment_scores
BEGIN SELECT RAISE(ABORT, 'assessment_scores are immutable'); END;

-- +goose Down
DROP TABLE assessment_moderations;
DROP TABLE assessment_scores;
DROP TABLE assessments;
DROP TABLE assessment_assignments;
DROP TABLE assessment_conflicts;
