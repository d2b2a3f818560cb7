--
-- The parser gives some objects in different shapes in different
-- statements (a type as a TypeName or as a list of names; a cast as two
-- types).  Each statement here is classified without crashing, and its
-- object is named by its qualified identity.
--
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
SELECT audit_mark();
CREATE SCHEMA shapes;
CREATE TYPE mood AS ENUM ('sad', 'ok');
ALTER TYPE mood RENAME TO feeling;
ALTER TYPE feeling OWNER TO CURRENT_USER;
ALTER TYPE feeling SET SCHEMA shapes;
GRANT USAGE ON TYPE shapes.feeling TO PUBLIC;
REVOKE USAGE ON TYPE shapes.feeling FROM PUBLIC;
CREATE DOMAIN positive AS int CONSTRAINT positive_check CHECK (VALUE > 0);
ALTER DOMAIN positive RENAME TO strictly_positive;
COMMENT ON CONSTRAINT positive_check ON DOMAIN strictly_positive IS 'above zero';
ALTER DOMAIN strictly_positive OWNER TO CURRENT_USER;
GRANT USAGE ON DOMAIN strictly_positive TO PUBLIC;
CREATE TYPE pair AS (a int, b int);
CREATE FUNCTION pair_text(pair) RETURNS text LANGUAGE sql AS 'SELECT $1.a || '','' || $1.b';
CREATE CAST (pair AS text) WITH FUNCTION pair_text(pair);
COMMENT ON CAST (pair AS text) IS 'a pair as text';
DROP CAST (pair AS text);
DROP CAST IF EXISTS (pair AS int);
ALTER TYPE no_such_type RENAME TO still_none;
DROP DOMAIN strictly_positive;
DROP FUNCTION pair_text(pair);
DROP TYPE pair, shapes.feeling;
DROP SCHEMA shapes;
SELECT command_tag, object_type, object_identities, outcome FROM audit_since_mark();
