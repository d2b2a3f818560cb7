--
-- What a hostile review of the trust fixes found, each closed.
--
SELECT audit_mark();
SET lock_timeout = '5s';
CREATE ROLE sddl_review_owner;
CREATE SCHEMA review AUTHORIZATION sddl_review_owner;
GRANT CREATE ON SCHEMA public TO sddl_review_owner;

-- 1. Assessing a type change must not run a function of the new type's
-- cast (constant folding would inline a SQL cast function and run what it
-- calls): not in explain(), not in the hook.
SET ROLE sddl_review_owner;
CREATE TABLE review.acct (amount int);
INSERT INTO review.acct VALUES (1);
ANALYZE review.acct;
CREATE TYPE review.money2 AS (v int);
CREATE FUNCTION review.evil() RETURNS review.money2 LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE NOTICE 'evil() ran as %', current_user;
    RETURN ROW(1)::review.money2;
END
$$;
CREATE FUNCTION review.conv(int) RETURNS review.money2 LANGUAGE sql IMMUTABLE
    AS 'SELECT review.evil()';
RESET ROLE;
CREATE CAST (int AS review.money2) WITH FUNCTION review.conv(int) AS ASSIGNMENT;
-- From another session: for the one that made them, they are new.
\c
SET lock_timeout = '5s';
SELECT verdict, rules->>'column_type_rewrite' AS column_type_rewrite
  FROM safe_ddl.explain('SET lock_timeout = ''5s''; ALTER TABLE review.acct ALTER COLUMN amount TYPE review.money2')
 WHERE statement_number = 2;
RESET lock_timeout;
ALTER TABLE review.acct ALTER COLUMN amount TYPE review.money2;
SET lock_timeout = '5s';

-- 2. LOCK on a temporary view locks the permanent table it reads: not
-- temporary-only.
CREATE TABLE review.big (id int);
CREATE TEMP VIEW review_tv AS SELECT * FROM review.big;
RESET lock_timeout;
BEGIN;
LOCK TABLE review_tv IN ACCESS EXCLUSIVE MODE;
ROLLBACK;
SET lock_timeout = '5s';

-- 3. A permanent table's column of a temporary table's row type goes with
-- its data when the session ends: acknowledge it.  And DROP ... CASCADE of
-- a temporary table is not temporary-only.
CREATE TEMP TABLE review_tt (a int);
ALTER TABLE review.big ADD COLUMN c review_tt;
SET safe_ddl.allow_destructive = on;
ALTER TABLE review.big ADD COLUMN c review_tt;
RESET safe_ddl.allow_destructive;
RESET lock_timeout;
DROP TABLE review_tt CASCADE;
SET lock_timeout = '5s';

-- 4. A statement naming hundreds of objects keeps the first 100 of them
-- and a count of the others.
SELECT format('DROP TABLE IF EXISTS %s',
              string_agg(format('review.nothing_%s', i), ', ')) AS drop_many
  FROM generate_series(1, 150) AS i \gset
SET client_min_messages = warning;
:drop_many;
RESET client_min_messages;
SELECT cardinality(object_identities) AS identities,
       object_identities[101] AS last
  FROM safe_ddl.audit_log
 WHERE statement LIKE 'DROP TABLE IF EXISTS review.nothing_1,%';

SELECT command_tag, object_identities, outcome,
       policy_violation IS NOT NULL AS violation
  FROM audit_since_mark()
 WHERE command_tag IN ('ALTER TABLE', 'LOCK TABLE', 'DROP TABLE')
   AND NOT object_identities[1] LIKE 'review.nothing%';

-- 5. Code a checked statement runs may not change the lock_timeout it
-- was checked with (set_config(), SET, a function's SET clause): its later
-- lock waits would not be bounded.
CREATE TABLE review.t2 (id int PRIMARY KEY);
CREATE FUNCTION review.untimed() RETURNS int LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM pg_catalog.set_config('lock_timeout', '0', false);
    RETURN 1;
END
$$;
CREATE FUNCTION review.untimed_clause() RETURNS int LANGUAGE sql STABLE
    SET lock_timeout = 0 AS 'SELECT 1';
ALTER TABLE review.big ADD COLUMN f int DEFAULT review.untimed() REFERENCES review.t2 (id);
ALTER TABLE review.big ADD COLUMN g int DEFAULT review.untimed_clause();
SHOW lock_timeout;
-- Outside DDL it is the session's to change.
SELECT review.untimed();
SHOW lock_timeout;
SET lock_timeout = '5s';

-- 6. Statements over the whole database that rewrite or rebuild the log
-- are for superusers: another role (a database owner may run them) names
-- its tables.
SET ROLE sddl_review_owner;
VACUUM (FULL) review.acct;
VACUUM FULL;
REINDEX DATABASE contrib_regression;
RESET ROLE;

SET safe_ddl.allow_destructive = on;
DROP SCHEMA review CASCADE;
REVOKE CREATE ON SCHEMA public FROM sddl_review_owner;
DROP ROLE sddl_review_owner;
RESET safe_ddl.allow_destructive;
RESET lock_timeout;
