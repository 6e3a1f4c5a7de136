-- Archival: the only way events ever leave the audit log.
--
-- `voxdesk audit archive` writes the events up to a sequence number to a file,
-- records a checkpoint (the last archived event's hash, where verification of what
-- remains starts) and an `audit.archive` event, and only then deletes those events,
-- in the same transaction, through this function.

CREATE TABLE audit_checkpoints (
    through_seq   BIGINT PRIMARY KEY,
    through_hash  BYTEA NOT NULL,
    events        BIGINT NOT NULL,
    file_sha256   TEXT NOT NULL,
    archived_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION audit_events_are_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Deleting is allowed only inside audit_archive(), and only below its checkpoint.
    IF TG_OP = 'DELETE'
       AND current_setting('voxdesk.audit_archiving', true) = 'on'
       AND OLD.seq <= (SELECT coalesce(max(through_seq), 0) FROM audit_checkpoints) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE FUNCTION audit_archive(through BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    deleted BIGINT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_checkpoints WHERE through_seq = through) THEN
        RAISE EXCEPTION 'no checkpoint at %: archive through voxdesk audit archive', through;
    END IF;
    PERFORM set_config('voxdesk.audit_archiving', 'on', true);
    DELETE FROM audit_events WHERE seq <= through;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('voxdesk.audit_archiving', 'off', true);
    RETURN deleted;
END;
$$;
