-- +goose Up
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('applicant', 'panel_member', 'grants_manager', 'finance')),
    password_hash text NOT NULL,
    token_version integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_role ON users (role, id);

-- Refresh-token families: one per sign-in. Every rotation adds a token to the family; a
-- replayed spent token revokes the whole family. expires_at bounds the family's lifetime.
CREATE TABLE refresh_families (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX refresh_families_user ON refresh_families (user_id, id);

-- Refresh tokens are opaque; only their SHA-256 is stored.
CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    family_id  uuid NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    token_hash text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE UNIQUE INDEX refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Machine clients (OAuth 2.0 client credentials). The secret is stored as its SHA-256.
CREATE TABLE clients (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    client_id   text NOT NULL,
    secret_hash text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE UNIQUE INDEX clients_client_id ON clients (client_id);

-- Invitations to staff, panel and finance roles; the token is stored as its SHA-256.
CREATE TABLE invitations (
    id          uuid PRIMARY KEY,
    email       text NOT NULL,
    role        text NOT NULL CHECK (role IN ('panel_member', 'grants_manager', 'finance')),
    token_hash  text NOT NULL,
    invited_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    user_id     uuid
);
CREATE UNIQUE INDEX invitations_token ON invitations (token_hash);
CREATE INDEX invitations_email ON invitations (email);

-- +goose Down
DROP TABLE invitations;
DROP TABLE clients;
DROP TABLE refresh_tokens;
DROP TABLE refresh_families;
DROP TABLE users;
