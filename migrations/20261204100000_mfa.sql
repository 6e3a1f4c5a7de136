-- Two-step sign-in (TOTP, RFC 6238): each user's secret (sealed like connection
-- secrets, bound to the user), recovery codes (hashes; each works once), devices a
-- user chose to remember (hashes of a random token; off by default), and which roles
-- must use it (admins and resellers by default).
CREATE TABLE user_mfa (
    user_id      UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    alg          TEXT NOT NULL,
    kek_id       TEXT NOT NULL,
    wrapped_dek  BYTEA NOT NULL,
    dek_nonce    BYTEA NOT NULL,
    nonce        BYTEA NOT NULL,
    ciphertext   BYTEA NOT NULL,
    -- NULL while enrolling: the secret was shown, no code confirmed it yet.
    enrolled_at  TIMESTAMPTZ,
    -- The last time step a code was accepted for: a code works once.
    last_step    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE mfa_recovery_codes (
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE mfa_remembered_devices (
    token_hash TEXT PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE mfa_policy (
    role     user_role PRIMARY KEY,
    required BOOLEAN NOT NULL
);
INSERT INTO mfa_policy (role, required) VALUES
    ('admin', true), ('reseller', true), ('support', false), ('auditor', false);
