-- The do-it-yourself DDL audit many teams write: a ddl_command_start
-- trigger notes the start time, ddl_command_end and sql_drop insert a row
-- per command or dropped object.
CREATE TABLE ddl_audit (
    id bigserial PRIMARY KEY,
    started_at timestamptz,
    duration_ms double precision,
    session_user_name text,
    command_tag text,
    object_type text,
    object_identity text,
    statement text
);

CREATE FUNCTION ddl_audit_start() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('ddl_audit.started_at', clock_timestamp()::text, true);
END
$$;

CREATE FUNCTION ddl_audit_end() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := nullif(current_setting('ddl_audit.started_at', true), '')::timestamptz;
    r record;
BEGIN
    FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
        INSERT INTO ddl_audit (started_at, duration_ms, session_user_name,
                               command_tag, object_type, object_identity, statement)
        VALUES (started,
                extract(epoch FROM clock_timestamp() - started) * 1000,
                session_user, r.command_tag, r.object_type, r.object_identity,
                current_query());
    END LOOP;
END
$$;

CREATE FUNCTION ddl_audit_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := nullif(current_setting('ddl_audit.started_at', true), '')::timestamptz;
    r record;
BEGIN
    FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() WHERE original LOOP
        INSERT INTO ddl_audit (started_at, duration_ms, session_user_name,
                               command_tag, object_type, object_identity, statement)
        VALUES (started,
                extract(epoch FROM clock_timestamp() - started) * 1000,
                session_user, tg_tag, r.object_type, r.object_identity,
                current_query());
    END LOOP;
END
$$;

CREATE EVENT TRIGGER ddl_audit_start ON ddl_command_start EXECUTE FUNCTION ddl_audit_start();
CREATE EVENT TRIGGER ddl_audit_end ON ddl_command_end EXECUTE FUNCTION ddl_audit_end();
CREATE EVENT TRIGGER ddl_audit_drop ON sql_drop EXECUTE FUNCTION ddl_audit_drop();
