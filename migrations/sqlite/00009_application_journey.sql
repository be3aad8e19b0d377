-- +goose Up
-- The same columns as the Postgres migration; times are fixed-width UTC text.
-- Issue 12, the application journey: the funder's question on the application, the
-- group's response kept with the revision that answers it, and the managers' search.

-- The funder's latest request for more information (request-info), shown on the
-- application; answered_at and response are set when the group resubmits, and the request
-- stays visible (answered) until the next one replaces it.
ALTER TABLE applications ADD COLUMN info_request_message text NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN info_requested_at text;
ALTER TABLE applications ADD COLUMN info_requested_by_role text NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN info_answered_at text;
ALTER TABLE applications ADD COLUMN info_response text NOT NULL DEFAULT '';

-- search_text is the application's title, reference and organisation's name folded for
-- search (application.SearchText: lower case, accents stripped, single spaces), kept by
-- the store on every write and on an organisation's rename, so the q filter is a LIKE on
-- both databases and needs no extension. Rows from before are folded approximately (lower
-- case only) until their next write.
ALTER TABLE applications ADD COLUMN search_text text NOT NULL DEFAULT '';
UPDATE applications SET search_text = lower(title || ' ' || COALESCE(reference, '') || ' ' ||
    (SELECT o.name FROM organisations o WHERE o.id = applications.organisation_id));
CREATE INDEX applications_submitted_at ON applications (submitted_at, id);

-- The group's response to the request a resubmission answers, and that request's message.
ALTER TABLE application_revisions ADD COLUMN response text NOT NULL DEFAULT '';
ALTER TABLE application_revisions ADD COLUMN request_message text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE application_revisions DROP COLUMN request_message;
ALTER TABLE application_revisions DROP COLUMN response;
DROP INDEX applications_submitted_at;
ALTER TABLE applications DROP COLUMN search_text;
ALTER TABLE applications DROP COLUMN info_response;
ALTER TABLE applications DROP COLUMN info_answered_at;
ALTER TABLE applications DROP COLUMN info_requested_by_role;
ALTER TABLE applications DROP COLUMN info_requested_at;
ALTER TABLE applications DROP COLUMN info_request_message;
