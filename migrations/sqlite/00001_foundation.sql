-- +goose Up
CREATE TABLE audit_events (
    id          text PRIMARY KEY,
    at          text NOT NULL,
    actor_id    text NOT NULL DEFAULT '',
    actor_role  text NOT NULL DEFAULT '',
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   text NOT NULL,
    request_id  text NOT NULL DEFAULT '',
    changes     text NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);

-- The audit log is append-only: the database itself refuses to change or remove a row.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE idempotency_keys (
    scope        text NOT NULL,
    key          text NOT NULL,
    fingerprint  text NOT NULL,
    status_code  integer NOT NULL,
    content_type text NOT NULL DEFAULT '',
    location     text NOT NULL DEFAULT '',
    etag         text NOT NULL DEFAULT '',
    body         blob NOT NULL,
    created_at   text NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE audit_events;
