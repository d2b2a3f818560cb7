#!/usr/bin/env bash
# make bench-versions: is this safe_ddl slower than an earlier one?
#
#   BASE=<git revision> bash bench/versions.sh     (default BASE: HEAD~1)
#
# Builds BASE (git archive) and the working tree, each into its own copy of
# the server installation (so both libraries can be loaded at once), and
# starts three throwaway clusters with PostgreSQL's defaults (fsync on):
# base, its twin base2 (the A/A noise) and new, each preloading its own
# build with the extension created.  Then pgbench's -r on bench/ddl.sql
# (the cheap DDL statements, each with its ok row), 2 clients, interleaved
# round after round, the order rotated.  Reports each statement's median
# latency, the median over rounds of (new - base) and of (base2 - base),
# and the largest |base2 - base| of a round: the noise floor.
#
#   ROUNDS (5), SECONDS_PER_RUN (6): how long.  Writes bench/out/VERSIONS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$SDDL_TOP"

BASE=${BASE:-HEAD~1}
ROUNDS=${ROUNDS:-5}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-6}
CLIENTS=2
CONFIGS="base base2 new"

sddl_install_deps
base_rev=$(git rev-parse --short "$BASE")
new_rev="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo '+changes')"

WORK=$(mktemp -d /tmp/safe_ddl_versions.XXXXXX)
chmod 755 "$WORK"
stop_all() {
	local c
	for c in $CONFIGS; do
		[ -f "$WORK/$c/data/postmaster.pid" ] &&
			runuser -u postgres -- "$WORK/pg-${c%2}/pg_ctl" -D "$WORK/$c/data" \
				-m fast stop >/dev/null 2>&1
	done
	rm -rf "$WORK"
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

# A copy of the server installation, relocated: PostgreSQL finds its
# share and lib directories relative to its binaries.
copy_server() {
	local dest=$1
	local d
	for d in "${PGBIN%/bin}" "$("$PG_CONFIG" --sharedir)" "$("$PG_CONFIG" --includedir)"; do
		mkdir -p "$dest$(dirname "$d")"
		cp -a "$d" "$dest$(dirname "$d")/"
	done
	ln -sfn "$dest$PGBIN" "$WORK/pg-$2"
}

# Build one version into its copy of the server.
build() {
	local name=$1 src=$2
	copy_server "$WORK/server-$name" "$name"
	make -s -C "$src" PG_CONFIG="$WORK/pg-$name/pg_config" \
		PG_CFLAGS="-Wall -Wextra -Wno-unused-parameter -Werror" >/dev/null &&
		make -s -C "$src" PG_CONFIG="$WORK/pg-$name/pg_config" install >/dev/null
}

sddl_say "building $base_rev (base) and the working tree $new_rev (new)"
mkdir -p "$WORK/src-base" "$WORK/src-new"
git archive "$BASE" | tar -x -C "$WORK/src-base"
git ls-files -z | xargs -0 cp --parents -t "$WORK/src-new"
build base "$WORK/src-base"
build new "$WORK/src-new"

on() {
	local c=$1
	shift
	"$@" -h "$WORK/$c" -p 5432 -U postgres
}

start_cluster() {
	local c=$1 bin="$WORK/pg-${1%2}"
	mkdir -p "$WORK/$c"
	chown postgres: "$WORK/$c"
	runuser -u postgres -- "$bin/initdb" --auth=trust -U postgres -D "$WORK/$c/data" >/dev/null
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$WORK/$c'"
		echo "port = 5432"
		echo "shared_preload_libraries = 'safe_ddl'"
	} >>"$WORK/$c/data/postgresql.conf"
	runuser -u postgres -- "$bin/pg_ctl" -D "$WORK/$c/data" -l "$WORK/$c/server.log" -w start >/dev/null
	on "$c" "$bin/psql" -X -q -d postgres -c "SET lock_timeout = '5s'" -c "CREATE DATABASE bench"
	on "$c" "$bin/psql" -X -q -d bench -c "SET lock_timeout = '5s'" -c "CREATE EXTENSION safe_ddl" \
		-c "CHECKPOINT"
}

sddl_say "starting $CONFIGS (fsync on)"
for c in $CONFIGS; do
	start_cluster "$c"
done

RESULTS=$WORK/results.csv
: >"$RESULTS"
record() {
	local c=$1 round=$2 out
	out=$(on "$c" "$WORK/pg-${c%2}/pgbench" -n -r -c "$CLIENTS" -j "$CLIENTS" \
		-T "$SECONDS_PER_RUN" -f bench/ddl.sql bench 2>&1) ||
		{ echo "pgbench failed on $c (round $round):" >&2; echo "$out" | tail -5 >&2; return 1; }
	echo "$out" | awk -v c="$c" -v r="$round" '
		/^ +[0-9.]+ +[0-9]+ +[A-Z]/ {
			lat = $1; $1 = ""; $2 = ""; sub(/^ +/, "");
			gsub(/,/, ";"); printf "%s,%s,%s,%s\n", c, r, $0, lat }' >>"$RESULTS"
}

sddl_say "$ROUNDS rounds of bench/ddl.sql, ${SECONDS_PER_RUN}s each, $CLIENTS clients"
set -- $CONFIGS
for ((round = 1; round <= ROUNDS; round++)); do
	order="$*"
	for c in $order; do
		record "$c" "$round"
	done
	echo "round $round done ($order)"
	set -- "${@:2}" "$1"
done

mkdir -p bench/out
python3 - "$RESULTS" "$base_rev" "$new_rev" "$ROUNDS" "$SECONDS_PER_RUN" >bench/out/VERSIONS.md <<'EOF'
import csv, statistics, sys
path, base_rev, new_rev, rounds, secs = sys.argv[1:]
lat = {}
for c, r, stmt, ms in csv.reader(open(path)):
    lat.setdefault(stmt, {}).setdefault(c, {})[r] = float(ms) * 1000.0
print("# safe_ddl: this version against an earlier one\n")
print(f"- base: {base_rev}; new: {new_rev} (the working tree)")
print(f"- {rounds} rounds of bench/ddl.sql, {secs} s each, 2 clients, interleaved, the order rotated; fsync on")
print("- latency per statement in microseconds: the median over rounds; differences paired round by round\n")
print("| statement | base (us) | base2 - base | A/A noise | new - base | verdict |")
print("|---|---|---|---|---|---|")
for stmt, by in lat.items():
    if not all(k in by for k in ("base", "base2", "new")):
        continue
    rs = sorted(set(by["base"]) & set(by["base2"]) & set(by["new"]))
    base = statistics.median(by["base"][r] for r in rs)
    aa = [by["base2"][r] - by["base"][r] for r in rs]
    d = [by["new"][r] - by["base"][r] for r in rs]
    noise = max(abs(x) for x in aa)
    diff = statistics.median(d)
    verdict = "slower" if diff > noise else "not slower (within the noise)" if diff > 0 else "not slower"
    print(f"| {stmt.replace(';', ',')} | {base:.0f} | {statistics.median(aa):+.0f} | {noise:.0f} | {diff:+.0f} | {verdict} |")
EOF
cat bench/out/VERSIONS.md
