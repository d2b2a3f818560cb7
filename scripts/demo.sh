#!/usr/bin/env bash
# make demo: a short, real migration against a throwaway cluster.
set -eu
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SDDL_TOP"

sddl_install_deps
sddl_build_install
sddl_cluster_start
sddl_psql_ddl postgres "CREATE DATABASE shop"

run() { psql -X -d shop -v ON_ERROR_STOP=0 -e "$@"; }

sddl_say "1. Install the extension (CREATE EXTENSION is DDL: it needs a timeout)"
run -c "SET lock_timeout = '5s'" -c "CREATE EXTENSION safe_ddl" \
	-c "CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric)" \
	-c "INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 1000) g"

sddl_say "2. The migration, without a timeout: refused"
run -c "ALTER TABLE accounts ADD COLUMN email text" || true

sddl_say "3. The same migration, with SET lock_timeout: it runs"
run -c "SET lock_timeout = '2s'" -c "ALTER TABLE accounts ADD COLUMN email text"

sddl_say "3b. Risky even with a timeout: an index built without CONCURRENTLY on a large table (here: above 32kB) is refused, with the recipe; CONCURRENTLY runs. explain() asks first, running nothing"
run -c "SET safe_ddl.large_table_size = '32kB'" \
	-c "SELECT statement, lock_mode, verdict FROM safe_ddl.explain('SET lock_timeout = ''2s''; CREATE INDEX ON accounts (email); CREATE INDEX CONCURRENTLY ON accounts (email)') WHERE statement_number > 1" \
	-c "SET lock_timeout = '2s'" -c "CREATE INDEX ON accounts (email)" \
	-c "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email)" || true

sddl_say "4. A long report holds a lock on accounts; the next ALTER TABLE gives up after 1 s instead of stalling every query behind it"
psql -X -q -d shop -c "BEGIN" -c "LOCK TABLE accounts IN ACCESS SHARE MODE" \
	-c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null &
report=$!
until [ "$(psql -X -At -d shop -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.relation = 'accounts'::regclass AND a.query LIKE '%pg_sleep%'")" -gt 0 ]; do
	sleep 0.1
done
run -c "SET lock_timeout = '1s'" -c "ALTER TABLE accounts ADD COLUMN note text" || true
wait "$report"

sddl_say "5. The audit log: every attempt, how long it took, how it ended"
psql -X -d shop -c "SELECT safe_ddl.wait_for_queue()" >/dev/null
psql -X -d shop -c "SELECT id, to_char(started_at, 'HH24:MI:SS.MS') AS started,
       round(duration_ms::numeric, 2) AS ms, command_tag, object_identities,
       outcome, coalesce(sqlstate, '') AS sqlstate,
       coalesce(policy_violation, error_message, '') AS why
  FROM safe_ddl.audit_log ORDER BY started_at, id"

sddl_say "done: the cluster is stopped and removed"
