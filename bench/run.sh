#!/usr/bin/env bash
# make bench: what safe_ddl costs, side by side with pgaudit and an
# event-trigger audit, on identical throwaway clusters, in one run.
#
#   bash bench/run.sh            full run (under 15 minutes), writes bench/RESULTS.md
#   QUICK=1 bash bench/run.sh    about three minutes (scale 1, 2 s runs), writes bench/out/RESULTS-quick.md
#
# Configurations: bare, bare2 (an identical twin: the A/A noise), safe_ddl
# (preloaded, extension created, mode enforce, audit on), pgaudit
# (pgaudit.log = 'ddl'), evtrig (PL/pgSQL event triggers writing a table).
# Every cluster keeps PostgreSQL's defaults (fsync on); workloads run
# interleaved, A B C D E, B C D E A, ..., round after round.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$SDDL_TOP"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	ROUNDS=3 SECONDS_PER_RUN=2 SCALE=1 LOG_ROWS=1000000 MEM_STATEMENTS=20000 REFUSALS=2000
else
	ROUNDS=5 SECONDS_PER_RUN=6 SCALE=10 LOG_ROWS=10000000 MEM_STATEMENTS=100000 REFUSALS=5000
fi
CONFIGS="bare bare2 safe_ddl pgaudit evtrig"
CLIENTS=2

sddl_install_deps
sddl_build_install

BENCH=$(mktemp -d /tmp/safe_ddl_bench.XXXXXX)
chmod 755 "$BENCH"
chown postgres: "$BENCH"
RESULTS=$BENCH/results.csv
: >"$RESULTS"

stop_all() {
	local c
	for c in $CONFIGS; do
		[ -f "$BENCH/$c/data/postmaster.pid" ] &&
			runuser -u postgres -- pg_ctl -D "$BENCH/$c/data" -m fast stop >/dev/null 2>&1
	done
	rm -rf "$BENCH"
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

# psql / pgbench against one configuration's cluster, database bench.
on() {
	local c=$1
	shift
	"$@" -h "$BENCH/$c" -p 5432 -U postgres
}
q() { local c=$1; shift; on "$c" psql -X -q -At -d bench "$@"; }

SETUP_OPTIONS='-c lock_timeout=5s -c safe_ddl.mode=off -c safe_ddl.audit=off'

start_cluster() {
	local c=$1 preload=$2
	mkdir -p "$BENCH/$c"
	chown postgres: "$BENCH/$c"
	runuser -u postgres -- initdb --auth=trust -U postgres -D "$BENCH/$c/data" >/dev/null
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$BENCH/$c'"
		echo "port = 5432"
		[ -n "$preload" ] && echo "shared_preload_libraries = '$preload'"
		[ "$c" = pgaudit ] && echo "pgaudit.log = 'ddl'"
	} >>"$BENCH/$c/data/postgresql.conf"
	runuser -u postgres -- pg_ctl -D "$BENCH/$c/data" -l "$BENCH/$c/server.log" -w start >/dev/null
	# Setting up is not what is measured: pgbench -i's DDL (TRUNCATE, a
	# primary key on a large table) runs with safe_ddl's policy and audit
	# off.  On the other clusters these settings are mere placeholders.
	PGOPTIONS=$SETUP_OPTIONS on "$c" psql -X -q -d postgres -c "CREATE DATABASE bench" 2>/dev/null
	PGOPTIONS=$SETUP_OPTIONS on "$c" pgbench -q -i -s "$SCALE" bench >"$BENCH/$c/init.log" 2>&1 ||
		{ cat "$BENCH/$c/init.log" >&2; return 1; }
	case $c in
		safe_ddl) q "$c" -c "SET lock_timeout = '5s'" -c "CREATE EXTENSION safe_ddl" ;;
		pgaudit) q "$c" -c "CREATE EXTENSION pgaudit" ;;
		evtrig) q "$c" -f bench/evtrig.sql >/dev/null ;;
	esac
	q "$c" -c "VACUUM ANALYZE" -c "CHECKPOINT"
}

sddl_say "starting $CONFIGS (scale $SCALE, fsync on)"
for c in $CONFIGS; do
	case $c in
		safe_ddl) start_cluster "$c" safe_ddl ;;
		pgaudit) start_cluster "$c" pgaudit ;;
		*) start_cluster "$c" "" ;;
	esac
done

# One pgbench run: record tps and each statement's latency (ms).  With
# several scripts (-f a@1 -f b@1), each script's latencies are recorded
# as those of the configuration the script's file is named after.
record() {
	local c=$1 round=$2 workload=$3
	shift 3
	local out
	if ! out=$(on "$c" pgbench -n -r -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER_RUN" "$@" bench 2>&1); then
		echo "pgbench failed on $c ($workload, round $round):" >&2
		echo "$out" | grep -iE "error|abort|fatal" | head -5 >&2
		return 0
	fi
	echo "$out" | awk -v c="$c" -v r="$round" -v w="$workload" '
		/^SQL script [0-9]+: / { n = split($NF, p, "/"); c = p[n]; sub(/\.sql(@[0-9]+)?$/, "", c) }
		/^tps = / { printf "%s,%s,%s,tps,%s\n", c, r, w, $3 }
		/^ +[0-9.]+ +[0-9]+ +[A-Z]/ {
			lat = $1; $1 = ""; $2 = ""; sub(/^ +/, "");
			gsub(/,/, ";"); printf "%s,%s,%s,%s,%s\n", c, r, w, $0, lat }' >>"$RESULTS"
}

# Each audit's own cost, in its own cluster: one pgbench run whose
# clients pick, transaction by transaction at random, the ddl script with
# the audit on, the same script with it off for the session, or off again:
# the A/A twin of this measure.  Both sides of every difference see the
# same disk, the same checkpoints and the same moment.  Off is, for
# safe_ddl, mode and audit off (the library loaded, its hook on the fast
# path); for the event triggers, session_replication_role = replica (event
# triggers enabled the default way do not fire then); for pgaudit, both
# pgaudit.log = 'none' and replica (pgaudit audits DDL through event
# triggers of its own).
mkdir -p "$BENCH/own"
switch() {
	case $1/$2 in
		safe_ddl/on) printf 'SET safe_ddl.mode = enforce;\nSET safe_ddl.audit = on;\n' ;;
		safe_ddl/*) printf 'SET safe_ddl.mode = off;\nSET safe_ddl.audit = off;\n' ;;
		pgaudit/on) printf "SET pgaudit.log = 'ddl';\nSET session_replication_role = origin;\n" ;;
		pgaudit/*) printf "SET pgaudit.log = 'none';\nSET session_replication_role = replica;\n" ;;
		evtrig/on) echo "SET session_replication_role = origin;" ;;
		evtrig/*) echo "SET session_replication_role = replica;" ;;
	esac
}
for c in safe_ddl pgaudit evtrig; do
	for variant in on off off_twin; do
		{
			switch "$c" "$variant"
			grep -v '^--' bench/ddl.sql
		} >"$BENCH/own/${c}_$variant.sql"
	done
done
record_own() {
	local c=$1 round=$2 SECONDS_PER_RUN=$((SECONDS_PER_RUN * 3 / 2))
	record "$c" "$round" ddl-own -f "$BENCH/own/${c}_on.sql@1" \
		-f "$BENCH/own/${c}_off.sql@1" -f "$BENCH/own/${c}_off_twin.sql@1"
}

sddl_say "workloads: $ROUNDS rounds of tpcb, select, ddl; ${SECONDS_PER_RUN}s each, $CLIENTS clients"
# The order rotates from round to round (A B C D E, then B C D E A, ...):
# no configuration always runs first, after a pause, or last.
rotate() { local n=$1 list=($CONFIGS); echo "${list[@]:n}" "${list[@]:0:n}"; }
for round in $(seq 1 "$ROUNDS"); do
	order=$(rotate $(((round - 1) % $(echo $CONFIGS | wc -w))))
	for c in $order; do record "$c" "$round" tpcb; done
	for c in $order; do record "$c" "$round" select -S; done
	for c in $order; do
		record "$c" "$round" ddl -f bench/ddl.sql
		# In the same cluster, right after: what the audit itself adds.
		case $c in safe_ddl | pgaudit | evtrig) record_own "$c" "$round" ;; esac
	done
	echo "round $round done ($order)"
done

# The ddl workload's rows: one ok row per statement, written in its
# transaction (2 SET statements per transaction are not DDL).
ddl_rows=$(q safe_ddl -c "SELECT count(*) FROM safe_ddl.audit_log WHERE outcome = 'ok' AND statement LIKE '%bench\_%'")

# refusals: the ddl workload's statements with no timeout set, under
# safe_ddl (every one refused, and logged as refused), against the same
# statements run for real on bare.
sddl_say "refusals: $REFUSALS statements"
storm=$BENCH/storm.sql
awk -v n="$REFUSALS" 'BEGIN {
	for (i = 0; i < n / 5; i++) {
		print "CREATE TABLE storm (id int, payload text);"
		print "ALTER TABLE storm ADD COLUMN note text;"
		print "CREATE INDEX ON storm (id);"
		print "COMMENT ON TABLE storm IS '\''storm'\'';"
		print "DROP TABLE storm;"
	}
}' >"$storm"
timed() {
	local c=$1 start end
	start=$(date +%s.%N)
	PGOPTIONS="-c safe_ddl.allow_destructive=on" q "$c" -f "$storm" >/dev/null 2>&1 || true
	end=$(date +%s.%N)
	echo "$start $end" | awk -v n="$REFUSALS" '{ printf "%.1f", ($2 - $1) * 1e6 / n }'
}
before=$(q safe_ddl -c "SELECT refused FROM safe_ddl.stats")
for round in $(seq 1 "$ROUNDS"); do
	echo "safe_ddl,$round,storm,refused: no timeout (us/stmt),$(timed safe_ddl)" >>"$RESULTS"
	echo "bare,$round,storm,run: no policy (us/stmt),$(timed bare)" >>"$RESULTS"
done
q safe_ddl -c "SELECT safe_ddl.wait_for_queue('60s')" >/dev/null
storm_rows=$(q safe_ddl -c "SELECT count(*) FROM safe_ddl.audit_log WHERE outcome = 'refused' AND object_identities && '{public.storm}'")
storm_stats=$(q safe_ddl -c "SELECT refused - $before, logged FROM safe_ddl.stats")
storm_expected=$((REFUSALS / 5 * 5 * ROUNDS))

# log-size: the log filled with LOG_ROWS rows over six months.
sddl_say "log-size: filling safe_ddl.audit_log to $LOG_ROWS rows"
fill_start=$(date +%s)
q safe_ddl -c "
INSERT INTO safe_ddl.audit_log (started_at, duration_ms, database_name,
    session_user_name, current_user_name, application_name, backend_pid,
    command_tag, object_type, object_identities, statement, lock_timeout_ms,
    statement_timeout_ms, outcome)
SELECT now() - interval '180 days' * (1 - i::float8 / $LOG_ROWS),
       (i % 97) * 0.37, 'bench', 'migrator', 'migrator', 'rails', 4242,
       'ALTER TABLE', 'table', ARRAY['public.t' || (i % 10000)],
       'ALTER TABLE public.t' || (i % 10000) || ' ADD COLUMN c' || i || ' int',
       5000, 0, 'ok'
  FROM generate_series(1, $LOG_ROWS) i" -c "VACUUM ANALYZE safe_ddl.audit_log"
fill_seconds=$(($(date +%s) - fill_start))
# A query's planning + execution time (ms), in a session that has just run
# the same kind of query on another object or day: the catalog is warm, as
# in a DBA's session, the data of the query is not.
exec_ms() {
	q safe_ddl -c "$1" -c "EXPLAIN (ANALYZE, TIMING OFF) $2" |
		awk '/^Planning Time:/ { p = $3 } /^Execution Time:/ { e = $3 } END { printf "%.2f", p + e }'
}
for round in $(seq 1 5); do
	o=$((round * 1234)) w=$((round * 1234 + 500))
	echo "safe_ddl,$round,log-size,recent_changes LIMIT 50 (ms),$(exec_ms 'SELECT * FROM safe_ddl.recent_changes LIMIT 0' 'SELECT * FROM safe_ddl.recent_changes LIMIT 50')" >>"$RESULTS"
	echo "safe_ddl,$round,log-size,by-object lookup: object_history LIMIT 50 (ms),$(exec_ms "SELECT count(*) FROM safe_ddl.object_history('public.t$w')" "SELECT * FROM safe_ddl.object_history('public.t$o')")" >>"$RESULTS"
	echo "safe_ddl,$round,log-size,by-object with the GIN index alone: @> ORDER BY id DESC LIMIT 50 (ms),$(exec_ms "SELECT count(*) FROM safe_ddl.audit_log WHERE object_identities @> '{public.t$((w + 7))}'" "SELECT id, started_at, command_tag, statement FROM safe_ddl.audit_log WHERE object_identities @> '{public.t$((o + 7))}' ORDER BY id DESC LIMIT 50")" >>"$RESULTS"
	echo "safe_ddl,$round,log-size,last 24 hours by time (ms),$(exec_ms "SELECT count(*) FROM safe_ddl.audit_log WHERE started_at > now() - interval '$((round + 10)) days' AND started_at < now() - interval '$((round + 9)) days'" "SELECT count(*) FROM safe_ddl.audit_log WHERE started_at > now() - interval '1 day'")" >>"$RESULTS"
done
purge_start=$(date +%s.%N)
purged=$(q safe_ddl -c "SELECT safe_ddl.purge(now() - (SELECT min(started_at) FROM safe_ddl.audit_log) - interval '30 days')")
purge_ms=$(echo "$purge_start $(date +%s.%N)" | awk '{ printf "%.0f", ($2 - $1) * 1000 }')

# Memory: shared memory taken, and one backend's private memory over a
# long run of DDL statements.
sddl_say "memory: $MEM_STATEMENTS DDL statements in one session"
shmem=$(q safe_ddl -c "SELECT string_agg(name || ' ' || pg_size_pretty(allocated_size), ', ') FROM pg_shmem_allocations WHERE name ILIKE '%safe_ddl%'")
q safe_ddl -c "SET lock_timeout = '5s'" -c "CREATE TABLE mem (id int)"
memsql=$BENCH/mem.sql
awk -v n="$MEM_STATEMENTS" 'BEGIN {
	print "SET lock_timeout = '\''5s'\'';"
	for (i = 1; i <= n; i++) {
		printf "COMMENT ON TABLE mem IS %c%d%c;\n", 39, i, 39
		if (i == 1000 || i == n / 10 || i == n)
			printf "SELECT %d, sum(total_bytes) FROM pg_backend_memory_contexts;\n", i
	}
}' >"$memsql"
memory=$(q safe_ddl -F ' ' -f "$memsql" | awk '{ printf "%s%s statements: %s bytes", sep, $1, $2; sep = "; " }')

sddl_say "report"
if [ "$QUICK" = 1 ]; then
	mkdir -p bench/out
	report=bench/out/RESULTS-quick.md
else
	report=bench/RESULTS.md
fi
python3 bench/report.py "$RESULTS" \
	--command "$([ "$QUICK" = 1 ] && echo 'QUICK=1 ')make bench" \
	--rounds "$ROUNDS" --seconds "$SECONDS_PER_RUN" --clients "$CLIENTS" --scale "$SCALE" \
	--storm "$storm_expected refused statements ($ROUNDS rounds of $REFUSALS): $storm_rows refused rows in the log; safe_ddl.stats (refused since, sent to the server log): $storm_stats" \
	--logsize "$LOG_ROWS rows (filled in ${fill_seconds}s); purge of the oldest month removed $purged rows in ${purge_ms} ms" \
	--ddlrows "$ddl_rows" --shmem "${shmem:-none}" --memory "$memory" >"$report"
cat "$report"
echo
echo "written to $report"
