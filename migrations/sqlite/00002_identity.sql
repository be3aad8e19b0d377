-- +goose Up
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('applicant', 'panel_member', 'grants_manager', 'finance')),
    password_hash text NOT NULL,
    token_version integer NOT NULL DEFAULT 1,
    created_at    text NOT NULL,
    updated_at    text NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_role ON users (role, id);

-- +goose Down
DROP TABLE users;
