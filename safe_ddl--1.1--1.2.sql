-- safe_ddl--1.1--1.2.sql: ALTER EXTENSION safe_ddl UPDATE TO '1.2'
-- (and, with safe_ddl--1.1.sql, the script of a new 1.2 install)

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION safe_ddl UPDATE TO '1.2'" to load this file. \quit

--
-- What a change did to other sessions, how many times it ran, and the way
-- back.  Rows written before the update have NULL here; so do refused
-- rows (they never ran) for what is measured while a statement runs.
--
ALTER TABLE @extschema@.audit_log
    ADD COLUMN lock_wait_ms         double precision,
    ADD COLUMN lock_held_ms         double precision,
    ADD COLUMN blocked_sessions_max integer,
    ADD COLUMN blocked_ms           double precision,
    ADD COLUMN attempts             integer,
    ADD COLUMN revert_statement     text,
    ADD COLUMN reversible           boolean;
