-- One row per submitted create or clone form: the form's random key is claimed here
-- (atomically, so two instances or two tabs cannot both act on it) before Voximplant
-- is called, and the answer is kept for 24 hours so a resend gets the same answer.
CREATE TABLE form_submissions (
    user_id      uuid        NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    form_key     text        NOT NULL CHECK (form_key ~ '^[0-9a-f]{32}$'),
    action       text        NOT NULL,
    -- SHA-256 of what the form asked, so a key reused for another request is refused.
    request_hash bytea       NOT NULL,
    -- pending: being acted on; done: `answer` holds the result; unclear: Voximplant
    -- gave no clear answer (or the instance died), the next resend looks it up first.
    state        text        NOT NULL CHECK (state IN ('pending', 'done', 'unclear')),
    answer       jsonb,
    -- The new account's API key, sealed with the master key (row id: the form key).
    sealed_secret jsonb,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    PRIMARY KEY (user_id, form_key)
);
CREATE INDEX form_submissions_expiry ON form_submissions (expires_at);
