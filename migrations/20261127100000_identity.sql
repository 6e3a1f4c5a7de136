-- Portal users, login throttling, and the Voximplant parent-account connections
-- whose secrets are kept encrypted (envelope encryption, see server/src/crypto.rs).

CREATE TYPE user_role AS ENUM ('admin', 'reseller', 'support', 'auditor');

CREATE TABLE users (
    id                  UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    username            TEXT NOT NULL UNIQUE CHECK (username ~ '^[a-z][a-z0-9._-]{2,31}$'),
    email               TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role                user_role NOT NULL,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    -- argon2id PHC string.
    password_hash       TEXT NOT NULL,
    -- Bumped when the user is disabled, their role or password changes: sessions
    -- carry the epoch they were issued under and die when it no longer matches.
    session_epoch       INTEGER NOT NULL DEFAULT 0,
    selected_connection UUID,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Failed logins per account name and per client address. Soft locks only: they
-- expire, so an attacker can slow a user down but never lock them out for good.
CREATE TABLE login_throttle (
    scope         TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    locked_until  TIMESTAMPTZ
);

CREATE TABLE connections (
    id            UUID PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 80),
    kind          TEXT NOT NULL CHECK (kind IN ('api_key', 'service_account')),
    base_url      TEXT NOT NULL,
    account_id    BIGINT NOT NULL,
    account_name  TEXT NOT NULL,
    -- Shown instead of the secret.
    fingerprint   TEXT NOT NULL,
    -- Envelope encryption: the secret under a per-secret data key, the data key
    -- wrapped by the master key `kek_id`. The row's identity is bound as AAD.
    alg           TEXT NOT NULL,
    kek_id        TEXT NOT NULL,
    wrapped_dek   BYTEA NOT NULL,
    dek_nonce     BYTEA NOT NULL,
    nonce         BYTEA NOT NULL,
    ciphertext    BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

ALTER TABLE users
    ADD CONSTRAINT users_selected_connection_fkey
    FOREIGN KEY (selected_connection) REFERENCES connections (id) ON DELETE SET NULL;
