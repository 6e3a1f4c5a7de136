-- Every instance keeps the rows each signed-in request needs in memory (sessions,
-- users, connections; app/src/row_cache.rs) and must hear of every change to them,
-- whoever makes it: another instance, the command line, an operator's SQL. NOTIFY is
-- sent at commit, with the change, or not at all.

-- Users, their two-step state and its policy: each request's user (payload 'users').
-- Connections: the one each request works on (payload 'connections').
CREATE FUNCTION voxdesk_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('voxdesk_rows', TG_ARGV[0]);
    RETURN NULL;
END $$;

CREATE TRIGGER users_rows_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION voxdesk_rows_changed('users');
CREATE TRIGGER user_mfa_rows_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_mfa
    FOR EACH STATEMENT EXECUTE FUNCTION voxdesk_rows_changed('users');
CREATE TRIGGER mfa_policy_rows_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mfa_policy
    FOR EACH STATEMENT EXECUTE FUNCTION voxdesk_rows_changed('users');
CREATE TRIGGER connections_rows_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connections
    FOR EACH STATEMENT EXECUTE FUNCTION voxdesk_rows_changed('connections');

-- A session row (payload 'session:<id>'). The session table is created by the session
-- store after these migrations; server/src/database.rs puts the triggers on it.
CREATE FUNCTION voxdesk_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('voxdesk_rows', 'session:' || OLD.id);
    ELSE
        PERFORM pg_notify('voxdesk_rows', 'session:' || NEW.id);
    END IF;
    RETURN NULL;
END $$;
