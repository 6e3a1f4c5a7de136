-- Every new audit event must chain on from the last one: the next sequence number
-- and the previous event's hash as its prev_hash. Without this the application role
-- could append seq = 10^15 (or any prev_hash) and break the chain for good; now such
-- a row is refused by the database itself. Appends are serialised by the portal
-- (one lock), so "the last one" is well defined. Rows of one multi-row INSERT see the
-- rows inserted before them.
CREATE FUNCTION audit_events_chain_on() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last_seq  BIGINT;
    last_hash BYTEA;
BEGIN
    SELECT seq, hash INTO last_seq, last_hash FROM audit_events ORDER BY seq DESC LIMIT 1;
    IF last_seq IS NULL THEN
        -- Empty: after the last archived event, or from the start.
        SELECT through_seq, through_hash INTO last_seq, last_hash
        FROM audit_checkpoints ORDER BY through_seq DESC LIMIT 1;
        IF last_seq IS NULL THEN
            last_seq := 0;
            last_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
        END IF;
    END IF;
    IF NEW.seq <> last_seq + 1 OR NEW.prev_hash <> last_hash THEN
        RAISE EXCEPTION 'audit_events must chain on: seq % after %, with the previous hash', NEW.seq, last_seq
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_chain_on
    BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain_on();
-- Also for sessions with session_replication_role = replica.
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_chain_on;
