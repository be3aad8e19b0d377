-- +goose Up
-- The round's page says what a group needs besides the form: how to reach the funder
-- (contact), the support offered with access needs (accessibility), when a decision is
-- expected (YYYY-MM-DD, '' when not said) and the support offered alongside the money.
ALTER TABLE rounds ADD COLUMN contact text NOT NULL DEFAULT '{}';
ALTER TABLE rounds ADD COLUMN accessibility text NOT NULL DEFAULT '{}';
ALTER TABLE rounds ADD COLUMN decision_expected_by text NOT NULL DEFAULT '';
ALTER TABLE rounds ADD COLUMN support_offer text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE rounds DROP COLUMN support_offer;
ALTER TABLE rounds DROP COLUMN decision_expected_by;
ALTER TABLE rounds DROP COLUMN accessibility;
ALTER TABLE rounds DROP COLUMN contact;
