-- A change to many child accounts at once (activate, deactivate, notification
-- settings), run on the server in chunks of SetChildAccountInfo id lists. The row is
-- the job's progress: a reload, another instance or a restart reads it here.
CREATE TABLE bulk_jobs (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    connection_id uuid        NOT NULL,
    -- activate | deactivate | notifications
    action        text        NOT NULL,
    -- SetChildAccountInfo's settings for every chunk: {"active": false}, say.
    settings      jsonb       NOT NULL,
    -- The list's query when "every match" was chosen (ids are then looked up first).
    filter        text,
    -- resolving: finding the ids; running; cancelling (asked, takes effect between
    -- chunks); cancelled; done; interrupted (the instance running it stopped).
    state         text        NOT NULL CHECK (state IN ('resolving', 'running', 'cancelling', 'cancelled', 'done', 'interrupted')),
    account_ids   bigint[]    NOT NULL DEFAULT '{}',
    total         integer     NOT NULL DEFAULT 0,
    -- Accounts handled so far (in order of account_ids), and how many of them failed.
    processed     integer     NOT NULL DEFAULT 0,
    -- [{"id": 10042, "reason": "…"}] for every account that failed.
    failures      jsonb       NOT NULL DEFAULT '[]',
    chunk_size    integer     NOT NULL,
    calls         integer     NOT NULL DEFAULT 0,
    -- The whole job's audit intent.
    intent_seq    bigint,
    message       text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX bulk_jobs_by_user ON bulk_jobs (user_id, created_at DESC);
-- One running job per user, even when two instances start one at the same moment.
CREATE UNIQUE INDEX bulk_jobs_one_running_per_user ON bulk_jobs (user_id)
    WHERE state IN ('resolving', 'running', 'cancelling');
