-- The audit log: append-only, hash-chained. See app/src/audit/ssr.rs.
--
-- Values that take part in the hash are stored as text exactly as hashed (JSON as
-- TEXT, not JSONB, which would reformat it), so `voxdesk audit verify` can recompute
-- every hash from the rows alone.

CREATE TABLE audit_events (
    seq             BIGINT PRIMARY KEY CHECK (seq > 0),
    occurred_at     TIMESTAMPTZ NOT NULL,
    -- 'intent' before an action, 'outcome' after it (linked), 'event' for one-off facts.
    kind            TEXT NOT NULL CHECK (kind IN ('intent', 'outcome', 'event')),
    intent_seq      BIGINT REFERENCES audit_events (seq),
    actor_id        UUID,
    actor_name      TEXT,
    actor_role      TEXT,
    client_ip       TEXT,
    user_agent      TEXT,
    request_id      TEXT,
    -- SHA-256 of the session id: links events of one session without storing it.
    session_ref     TEXT,
    connection_id   UUID,
    connection_name TEXT,
    action          TEXT NOT NULL,
    method          TEXT,
    targets         TEXT NOT NULL,
    params          TEXT NOT NULL,
    changes         TEXT,
    outcome         TEXT CHECK (outcome IN ('ok', 'denied', 'invalid', 'upstream_error', 'error', 'unknown')),
    outcome_detail  TEXT,
    latency_ms      DOUBLE PRECISION,
    prev_hash       BYTEA NOT NULL,
    hash            BYTEA NOT NULL UNIQUE,
    CHECK ((kind = 'outcome') = (intent_seq IS NOT NULL))
);

CREATE UNIQUE INDEX audit_one_outcome_per_intent ON audit_events (intent_seq) WHERE kind = 'outcome';
CREATE INDEX audit_by_time ON audit_events (occurred_at DESC, seq DESC);
CREATE INDEX audit_by_actor ON audit_events (actor_name, seq DESC);
CREATE INDEX audit_by_action ON audit_events (action text_pattern_ops, seq DESC);
CREATE INDEX audit_by_outcome ON audit_events (outcome, seq DESC);

CREATE FUNCTION audit_events_are_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_are_append_only();

CREATE TRIGGER audit_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_are_append_only();

-- ALWAYS: the triggers fire under session_replication_role = replica too.
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_no_update_or_delete;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_no_truncate;
