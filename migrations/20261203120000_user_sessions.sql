-- Each signed-in session, so a user can see where they are signed in ("Your
-- account") and end every other one. The session store keeps the session itself;
-- this row names it only by `session_ref` (a hash of its id, as the audit log does),
-- so the table gives no one a usable cookie. A row counts only while its epoch is
-- the user's current one and it is within the session timeouts.
CREATE TABLE user_sessions (
    session_ref  TEXT PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    epoch        INTEGER NOT NULL,
    browser      TEXT NOT NULL CHECK (length(browser) <= 100),
    client_ip    TEXT NOT NULL CHECK (length(client_ip) <= 64),
    signed_in_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX user_sessions_by_user ON user_sessions (user_id, last_seen DESC);
