--
-- What safe_ddl trusts when it writes and reads the log: no user code runs
-- with its rights or a superuser's.
--

-- object_history() is inlined into the caller's query, so its body is
-- parsed with the caller's search_path.  A database owner (who owns schema
-- public on PostgreSQL 15; here a role given CREATE on it) plants an
-- operator @> for text[] that wins over pg_catalog.@>(anyarray, anyarray):
-- it would hide every row and make a superuser caller run its function.
SET lock_timeout = '5s';
CREATE ROLE sddl_trojan;
GRANT CREATE ON SCHEMA public TO sddl_trojan;
SET ROLE sddl_trojan;
SET lock_timeout = '5s';
CREATE FUNCTION public.sddl_trojan_contains(text[], text[]) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('is_superuser') = 'on' THEN
        PERFORM set_config('lock_timeout', '5s', true);
        EXECUTE 'ALTER ROLE sddl_trojan SUPERUSER';
    END IF;
    RETURN false;
END
$$;
CREATE OPERATOR public.@> (LEFTARG = text[], RIGHTARG = text[],
                           FUNCTION = public.sddl_trojan_contains);
RESET ROLE;

SET lock_timeout = '5s';
CREATE TABLE sddl_evidence (id int);
COMMENT ON TABLE sddl_evidence IS 'evidence';
RESET lock_timeout;
SHOW search_path;
SELECT command_tag, object_identities, outcome
  FROM safe_ddl.object_history('public.sddl_evidence');
SELECT rolsuper AS trojan_is_superuser FROM pg_roles WHERE rolname = 'sddl_trojan';

-- Still inlined: no Function Scan on object_history in the plan.
DO $$
DECLARE
    line text;
    function_scans int := 0;
BEGIN
    FOR line IN EXPLAIN (COSTS OFF)
        SELECT * FROM safe_ddl.object_history('public.sddl_evidence') LOOP
        IF line LIKE '%object_history%' THEN
            function_scans := function_scans + 1;
        END IF;
    END LOOP;
    RAISE NOTICE 'object_history inlined: %', function_scans = 0;
END
$$;

SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
DROP OPERATOR public.@> (text[], text[]);
DROP FUNCTION public.sddl_trojan_contains(text[], text[]);
REVOKE CREATE ON SCHEMA public FROM sddl_trojan;
DROP ROLE sddl_trojan;
RESET safe_ddl.allow_destructive;
RESET lock_timeout;

-- An identity does not say what kind of object it names: a no-op any role
-- can run names public.sddl_evidence too.  object_history() shows a
-- relation's history by default, other kinds when asked.
SET lock_timeout = '5s';
DROP TEXT SEARCH DICTIONARY IF EXISTS public.sddl_evidence;
RESET lock_timeout;
SELECT command_tag, object_type, object_identities
  FROM safe_ddl.object_history('public.sddl_evidence');
SELECT command_tag, object_type, object_identities
  FROM safe_ddl.object_history('public.sddl_evidence', 50, 'text search dictionary');
SELECT command_tag, object_type
  FROM safe_ddl.object_history('public.sddl_evidence', 50, 'table');
SELECT count(*) AS functions FROM safe_ddl.object_history('public.sddl_evidence', 50, 'function');

-- The log itself: an index with an expression or a predicate would be
-- evaluated with the extension's rights at every write.  safe_ddl will
-- not write through one; dropping it is enough.
SET lock_timeout = '5s';
SET safe_ddl.audit = off;
CREATE INDEX sddl_expr_idx ON safe_ddl.audit_log (lower(statement));
RESET safe_ddl.audit;
COMMENT ON TABLE sddl_evidence IS 'not written';
DROP INDEX safe_ddl.sddl_expr_idx;
SET safe_ddl.audit = off;
CREATE INDEX sddl_partial_idx ON safe_ddl.audit_log (id) WHERE outcome = 'ok';
RESET safe_ddl.audit;
COMMENT ON TABLE sddl_evidence IS 'not written either';
DROP INDEX safe_ddl.sddl_partial_idx;
COMMENT ON TABLE sddl_evidence IS 'written';
-- A column a DBA adds must not bring another role's checks: a domain an
-- ordinary role owns (its CHECK could call anything) blocks writing too.
CREATE ROLE sddl_domain_owner;
GRANT CREATE ON SCHEMA public TO sddl_domain_owner;
SET ROLE sddl_domain_owner;
CREATE DOMAIN public.sddl_owned_text AS text CHECK (VALUE <> '');
RESET ROLE;
SET safe_ddl.audit = off;
ALTER TABLE safe_ddl.audit_log ADD COLUMN sddl_note public.sddl_owned_text;
RESET safe_ddl.audit;
COMMENT ON TABLE sddl_evidence IS 'not written for the domain';
SET safe_ddl.audit = off;
SET safe_ddl.allow_destructive = on;
ALTER TABLE safe_ddl.audit_log DROP COLUMN sddl_note;
-- Nor a column of a plain type whose default only casts to that domain
-- (the domain's CHECK runs at every write), nor an array or a composite
-- type of it.
ALTER TABLE safe_ddl.audit_log ADD COLUMN sddl_note text
    DEFAULT 'x'::public.sddl_owned_text;
RESET safe_ddl.audit;
COMMENT ON TABLE sddl_evidence IS 'not written for a default of the domain';
SET safe_ddl.audit = off;
ALTER TABLE safe_ddl.audit_log DROP COLUMN sddl_note;
CREATE TYPE public.sddl_wrapped AS (t public.sddl_owned_text);
ALTER TABLE safe_ddl.audit_log ADD COLUMN sddl_note public.sddl_wrapped[];
RESET safe_ddl.audit;
COMMENT ON TABLE sddl_evidence IS 'not written for an array of a composite of the domain';
SET safe_ddl.audit = off;
ALTER TABLE safe_ddl.audit_log DROP COLUMN sddl_note;
DROP TYPE public.sddl_wrapped;
-- Nor an index on a plain column whose operator class (a superuser's)
-- calls a function another role owns, and may replace.
SET ROLE sddl_domain_owner;
CREATE FUNCTION public.sddl_owned_cmp(text, text) RETURNS int
    LANGUAGE sql IMMUTABLE AS 'SELECT bttextcmp($1, $2)';
RESET ROLE;
CREATE OPERATOR CLASS public.sddl_owned_ops FOR TYPE text USING btree AS
    OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >,
    FUNCTION 1 public.sddl_owned_cmp(text, text);
CREATE INDEX sddl_opclass_idx ON safe_ddl.audit_log (command_tag public.sddl_owned_ops);
RESET safe_ddl.audit;
COMMENT ON TABLE sddl_evidence IS 'not written for the operator class';
SET safe_ddl.audit = off;
DROP INDEX safe_ddl.sddl_opclass_idx;
DROP OPERATOR FAMILY public.sddl_owned_ops USING btree;
DROP FUNCTION public.sddl_owned_cmp(text, text);
DROP DOMAIN public.sddl_owned_text;
REVOKE CREATE ON SCHEMA public FROM sddl_domain_owner;
DROP ROLE sddl_domain_owner;
RESET safe_ddl.allow_destructive;
RESET safe_ddl.audit;
-- Created with auditing on, the index is refused at its own row.
CREATE INDEX sddl_expr_idx ON safe_ddl.audit_log (lower(statement));
SELECT count(*) AS unsafe_indexes FROM pg_indexes
 WHERE schemaname = 'safe_ddl' AND indexname IN ('sddl_expr_idx', 'sddl_partial_idx');
-- (The failed COMMENTs' rows went to the writer, which could not write
-- them either while the index was there: not asked for here.)
SELECT statement, outcome
  FROM safe_ddl.object_history('public.sddl_evidence')
 WHERE command_tag = 'COMMENT' AND outcome = 'ok';
SET safe_ddl.allow_destructive = on;
DROP TABLE sddl_evidence;
RESET safe_ddl.allow_destructive;
RESET lock_timeout;
