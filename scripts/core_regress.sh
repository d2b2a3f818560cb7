#!/usr/bin/env bash
# make core-regress: PostgreSQL's own regression suite (src/test/regress,
# parallel_schedule) run twice on throwaway clusters -- "bare" (no
# safe_ddl) and "safe_ddl" (preloaded, enforce, the extension created in
# the regression database so that every statement is audited) -- and the
# tests whose output differs between the two.
#
# The suite comes from Debian's source package postgresql-15, fetched once
# into a cache outside the repository (CORE_REGRESS_CACHE, default
# /var/cache/safe_ddl-core-regress) through a private apt sources list; the
# system's apt configuration is not touched.  What the suite loads
# (regress.so, and refint.so / autoinc.so from contrib/spi) is built there
# against the server's headers.
#
# Both runs use the same cluster settings and the same database settings
# (pg_regress's own, plus lock_timeout, as the README tells a database with
# safe_ddl to set); the safe_ddl run adds shared_preload_libraries,
# safe_ddl.allow_destructive = on and CREATE EXTENSION safe_ddl.
#
# Environment:
#   SDDL_PGBIN                  another installation's bin directory
#   CORE_REGRESS_CACHE          source, build and results cache
#   CORE_REGRESS_OUT            results directory (default: a new one under
#                               the cache's runs/, linked as runs/latest)
#   CORE_REGRESS_LOCK_TIMEOUT   lock_timeout of the regression database (30s)
#   CORE_REGRESS_EXPECTED       tests allowed to differ (alter_table)
#   CORE_REGRESS_TIMEOUT        seconds allowed for one run of the suite (3600)
#   CORE_REGRESS_PSQL           "suite" (default): when the mirror's suite is
#                               older than the server, run it with its own
#                               version's psql, built once from the same
#                               source; "server": the server's psql
#
# Exit status: 0 when both runs completed, no server process crashed and no
# test outside CORE_REGRESS_EXPECTED differs; 1 otherwise.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SDDL_TOP" || exit 1

CACHE=${CORE_REGRESS_CACHE:-/var/cache/safe_ddl-core-regress}
LOCK_TIMEOUT=${CORE_REGRESS_LOCK_TIMEOUT:-30s}
EXPECTED=${CORE_REGRESS_EXPECTED-alter_table}
RUN_TIMEOUT=${CORE_REGRESS_TIMEOUT:-3600}
PSQL_CHOICE=${CORE_REGRESS_PSQL:-suite}
PKG=postgresql-$PG_VERSION

die() { echo "core-regress: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (clusters run as the postgres OS user, the cache is under /var/cache)"
id postgres >/dev/null 2>&1 || die "no postgres OS user"

START=$(date +%s)

# --- safe_ddl itself ---------------------------------------------------
if [ ! -x "$PG_CONFIG" ] || [ ! -f "$("$PG_CONFIG" --pgxs 2>/dev/null)" ]; then
	sddl_install_deps || die "cannot install the server headers"
fi
sddl_build_install || die "safe_ddl does not build"

# The server's version, e.g. "15.20" and Debian's "15.20-0+deb12u1".
SERVER_VERSION=$("$PGBIN/postgres" --version | awk '{print $3}')
DEB_VERSION=$("$PG_CONFIG" --version | sed -n 's/.*(Debian \([^)]*\)).*/\1/p')
[ -n "$SERVER_VERSION" ] || die "cannot tell the server's version"

# --- the suite's source, fetched once ------------------------------------
mkdir -p "$CACHE/src" "$CACHE/build" "$CACHE/runs" "$CACHE/apt/lists/partial" \
	"$CACHE/apt/cache/archives/partial"
exec 9>"$CACHE/.lock"
flock 9 || die "cannot lock $CACHE"

# apt with a private sources list, lists and archive cache.
APT_OPTS=(-o "Dir::Etc::SourceList=$CACHE/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
	-o "Dir::State::Lists=$CACHE/apt/lists" -o "Dir::Cache=$CACHE/apt/cache"
	-o "APT::Sandbox::User=root")
cat >"$CACHE/apt/sources.list" <<EOF
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF

# $CACHE/src/for-<server version> points at the extracted tree used for
# that server: the same version when Debian's mirror still has it, else the
# newest one it has (minor releases change few expected outputs, and any
# such failure shows in the bare run too).
fetch_source() {
	local link=$CACHE/src/for-$SERVER_VERSION versions v upstream tarball tree
	if [ -L "$link" ] && [ -f "$link/src/test/regress/parallel_schedule" ]; then
		SRC=$(readlink -f "$link")
		return 0
	fi
	sddl_say "fetching Debian's $PKG source (once; cached in $CACHE/src)"
	apt-get "${APT_OPTS[@]}" -qq update || return 1
	# The server's own version first, then the others, newest first.
	versions=$( { [ -n "$DEB_VERSION" ] && echo "$DEB_VERSION"
		apt-cache "${APT_OPTS[@]}" showsrc "$PKG" 2>/dev/null |
			sed -n 's/^Version: //p' | sort -rV; } | awk 'NF && !seen[$0]++')
	for v in $versions; do
		if (cd "$CACHE/src" && apt-get "${APT_OPTS[@]}" -qq source --download-only \
			"$PKG=$v" >"$CACHE/src/apt-source.log" 2>&1); then
			upstream=${v%%-*}
			tarball=$CACHE/src/${PKG}_$upstream.orig.tar.bz2
			[ -f "$tarball" ] || tarball=$(ls "$CACHE/src/${PKG}_$upstream".orig.tar.* 2>/dev/null | head -1)
			[ -f "$tarball" ] || continue
			# Only what the suite needs; Debian's patches touch neither.
			tree=$CACHE/src/postgresql-$upstream
			rm -rf "$tree"
			mkdir -p "$tree"
			tar -xf "$tarball" -C "$tree" --strip-components=1 \
				"postgresql-$upstream/src/test/regress" "postgresql-$upstream/contrib/spi" ||
				return 1
			ln -sfn "postgresql-$upstream" "$link"
			rm -f "$CACHE/src/for-$SERVER_VERSION.note"
			[ "$v" = "$DEB_VERSION" ] ||
				echo "note: $PKG $DEB_VERSION (the server's) cannot be downloaded; using $v's suite" \
					>"$CACHE/src/for-$SERVER_VERSION.note"
			SRC=$tree
			return 0
		fi
		echo "  $PKG=$v: cannot download it: $(grep -m1 '^E: ' "$CACHE/src/apt-source.log" | sed 's/ \[IP: [^]]*\]//')"
	done
	return 1
}
fetch_source || die "cannot fetch $PKG's source from Debian's mirrors"
REGRESS_SRC=$SRC/src/test/regress
SRC_VERSION=$(basename "$SRC")
SRC_VERSION=${SRC_VERSION#postgresql-}
[ -f "$CACHE/src/for-$SERVER_VERSION.note" ] && cat "$CACHE/src/for-$SERVER_VERSION.note"

# --- what the suite loads, built against the server's headers ------------
# Keyed by the installation too: two installations of one version may
# differ in their headers' configuration.
# REFINT_VERBOSE as contrib/spi's Makefile sets it: the triggers test
# expects refint's NOTICEs.
BUILD=$CACHE/build/$SERVER_VERSION-$(echo "$PGBIN" | md5sum | cut -c1-8)
# shellcheck disable=SC2016
BUILD_MAKEFILE='MODULES = regress refint autoinc
PG_CPPFLAGS = -DREFINT_VERBOSE
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)'
if [ ! -f "$BUILD/regress.so" ] || [ ! -f "$BUILD/refint.so" ] || [ ! -f "$BUILD/autoinc.so" ] ||
	[ "$BUILD/regress.so" -ot "$REGRESS_SRC/regress.c" ] ||
	[ "$(cat "$BUILD/Makefile" 2>/dev/null)" != "$BUILD_MAKEFILE" ]; then
	sddl_say "building regress.so, refint.so, autoinc.so against $PG_CONFIG"
	rm -rf "$BUILD"
	mkdir -p "$BUILD"
	cp "$REGRESS_SRC/regress.c" "$SRC/contrib/spi/refint.c" "$SRC/contrib/spi/autoinc.c" "$BUILD/"
	echo "$BUILD_MAKEFILE" >"$BUILD/Makefile"
	make -s -C "$BUILD" PG_CONFIG="$PG_CONFIG" >"$BUILD/build.log" 2>&1 ||
		{ cat "$BUILD/build.log" >&2; die "cannot build the suite's modules"; }
fi

# The suite's scripts are written for their own version's psql.  Since
# upstream's "Teach psql to skip in-line COPY ... FROM STDIN data after a
# failure" (CVE-2026-6464), psql skips the lines after a COPY ... FROM stdin
# that fails before its data as if they were that data, up to the next
# "\." line; the suites of older minor releases have no such line after
# their expected-to-fail COPYs, so the server's newer psql would silently
# skip hundreds of their statements (in copy2, generated, rowsecurity,
# privileges ...), in both runs.  So when the suite is older than the
# server, its own psql runs it (libpq and the server stay the server's).
REGRESS_BINDIR=$PGBIN
if [ "$SRC_VERSION" != "$SERVER_VERSION" ] && [ "$PSQL_CHOICE" = suite ]; then
	REGRESS_BINDIR=$CACHE/build/psql-$SRC_VERSION
	if [ ! -x "$REGRESS_BINDIR/psql" ]; then
		sddl_say "building psql $SRC_VERSION for its suite (once; about a minute)"
		rm -rf "$REGRESS_BINDIR" "$REGRESS_BINDIR.src"
		mkdir -p "$REGRESS_BINDIR.src"
		tarball=$(ls "$CACHE/src/${PKG}_$SRC_VERSION".orig.tar.* | head -1)
		if tar -xf "$tarball" -C "$REGRESS_BINDIR.src" --strip-components=1 &&
			(cd "$REGRESS_BINDIR.src" &&
				./configure --without-readline --without-zlib --without-icu >configure.log 2>&1 &&
				make -s -C src/backend generated-headers >make.log 2>&1 &&
				make -s -j"$(nproc)" -C src/bin/psql >>make.log 2>&1); then
			mkdir -p "$REGRESS_BINDIR"
			cp "$REGRESS_BINDIR.src/src/bin/psql/psql" "$REGRESS_BINDIR/psql"
			rm -rf "$REGRESS_BINDIR.src"
		else
			tail -n 20 "$REGRESS_BINDIR.src/configure.log" "$REGRESS_BINDIR.src/make.log" 2>/dev/null >&2
			die "cannot build psql $SRC_VERSION (CORE_REGRESS_PSQL=server runs the suite with the server's psql)"
		fi
	fi
fi
flock -u 9

# --- results directory ---------------------------------------------------
if [ -n "${CORE_REGRESS_OUT:-}" ]; then
	OUT=$CORE_REGRESS_OUT
else
	OUT=$CACHE/runs/$(date +%Y%m%d-%H%M%S)
	ln -sfn "$(basename "$OUT")" "$CACHE/runs/latest"
fi
rm -rf "$OUT"
mkdir -p "$OUT/diffs"
chmod 755 "$OUT"

# --- throwaway clusters ----------------------------------------------------
CLUSTER_DIRS=()
cr_cleanup() {
	local d
	for d in "${CLUSTER_DIRS[@]}"; do
		if [ -f "$d/data/postmaster.pid" ]; then
			runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -m immediate stop >/dev/null 2>&1 || true
		fi
		rm -rf "$d"
	done
	CLUSTER_DIRS=()
}
trap cr_cleanup EXIT
trap 'cr_cleanup; exit 130' INT TERM

# cr_run NAME PRELOAD: one run of the suite on a new cluster; results in
# $OUT/NAME (pg_regress.log, regression.diffs, results/, server.log).
cr_run() {
	local name=$1 preload=$2 tmp rc dir=$OUT/$1 t0
	tmp=$(mktemp -d /tmp/safe_ddl_core.XXXXXX)
	CLUSTER_DIRS+=("$tmp")
	chmod 755 "$tmp"
	chown postgres: "$tmp"
	mkdir -p "$dir"
	chown postgres: "$dir"

	sddl_say "$name: initdb and start"
	runuser -u postgres -- "$PGBIN/initdb" --auth=trust -U postgres --no-sync \
		--encoding=UTF8 --no-locale -D "$tmp/data" >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; return 1; }
	{
		[ "$preload" = yes ] && echo "shared_preload_libraries = 'safe_ddl'"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$tmp'"
		echo "port = 5432"
		echo "fsync = off"
		echo "max_connections = 100"
		# What pg_regress --temp-instance writes for make check.
		echo "log_autovacuum_min_duration = 0"
		echo "log_checkpoints = on"
		echo "log_line_prefix = '%m %b[%p] %q%a '"
		echo "log_lock_waits = on"
		echo "log_temp_files = 128kB"
		echo "max_prepared_transactions = 2"
	} >>"$tmp/data/postgresql.conf"
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w start \
		>/dev/null || { cat "$tmp/server.log" >&2; return 1; }

	export PGHOST=$tmp PGPORT=5432 PGUSER=postgres
	# The database pg_regress would make (create_database() in
	# pg_regress.c), made here so that it also gets the README's
	# settings: pg_regress's own DROP/CREATE DATABASE would be refused.
	local db=regression settings
	settings="ALTER DATABASE $db SET lc_messages TO 'C';
ALTER DATABASE $db SET lc_monetary TO 'C';
ALTER DATABASE $db SET lc_numeric TO 'C';
ALTER DATABASE $db SET lc_time TO 'C';
ALTER DATABASE $db SET bytea_output TO 'hex';
ALTER DATABASE $db SET timezone_abbreviations TO 'Default';
ALTER DATABASE $db SET lock_timeout TO '$LOCK_TIMEOUT';"
	[ "$preload" = yes ] && settings="$settings
ALTER DATABASE $db SET safe_ddl.allow_destructive TO on;"
	sddl_psql_ddl postgres "CREATE DATABASE $db TEMPLATE=template0 ENCODING='UTF8' LC_COLLATE='C' LC_CTYPE='C'" &&
		psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET lock_timeout = '5s'" \
			-c "SET safe_ddl.audit = off" -c "$settings" || return 1
	if [ "$preload" = yes ]; then
		psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION safe_ddl" || return 1
	fi
	psql -X -d "$db" -c "SELECT unnest(setconfig) AS \"regression's settings\" FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE datname = '$db'" \
		>"$dir/settings.txt"

	sddl_say "$name: parallel_schedule ($(grep -c '^test:' "$REGRESS_SRC/parallel_schedule") groups)"
	t0=$(date +%s)
	(cd "$dir" && runuser -u postgres -- env PGHOST="$tmp" PGPORT=5432 PGUSER=postgres \
		timeout "$RUN_TIMEOUT" "$PG_REGRESS" --use-existing --dbname="$db" --bindir="$REGRESS_BINDIR" \
		--inputdir="$REGRESS_SRC" --outputdir="$dir" --dlpath="$BUILD" --no-locale \
		--schedule="$REGRESS_SRC/parallel_schedule" --max-concurrent-tests=20) \
		>"$dir/pg_regress.log" 2>&1
	rc=$?
	echo "$(($(date +%s) - t0))" >"$dir/seconds"
	tail -n 4 "$dir/pg_regress.log"
	[ "$rc" -eq 124 ] && echo "$name: the suite did not finish within ${RUN_TIMEOUT}s" >&2

	if [ "$preload" = yes ]; then
		psql -X -d "$db" -c "SELECT outcome, count(*) AS rows, count(*) FILTER (WHERE rules IS NOT NULL AND rules <> '{}') AS with_rules FROM safe_ddl.audit_log GROUP BY 1 ORDER BY 1" \
			>"$dir/audit_outcomes.txt" 2>&1
		psql -X -d "$db" -c "SELECT outcome, command_tag, rules, sqlstate, left(error_message, 200) AS error_message, left(statement, 200) AS statement FROM safe_ddl.audit_log WHERE outcome = 'refused' OR policy_violation IS NOT NULL OR (rules IS NOT NULL AND rules <> '{}') ORDER BY id" \
			>"$dir/audit_rules.txt" 2>&1
	fi
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1
	cp "$tmp/server.log" "$dir/server.log"
	unset PGHOST PGPORT PGUSER
	[ "$rc" -ne 124 ]
}

cr_run bare no || die "the bare run did not complete (see $OUT/bare)"
cr_run safe_ddl yes || die "the safe_ddl run did not complete (see $OUT/safe_ddl)"
cr_cleanup

# --- comparison ----------------------------------------------------------
# "test NAME ... ok" / "     NAME ... FAILED" (PG 15), "ok N - NAME" (16+).
statuses() {
	sed -nE 's/^(test |     )?([a-z0-9_.]+) +\.\.\. (ok|FAILED|failed \(ignored\)).*/\2 \3/p;
		s/^(not )?ok [0-9]+ +[-+] ([a-z0-9_.]+).*/\2 \1ok/p' "$1" |
		sed 's/ not ok$/ FAILED/; s/ failed (ignored)$/ ignored/'
}
declare -A ST_BARE ST_SDDL
while read -r t s; do ST_BARE[$t]=$s; done < <(statuses "$OUT/bare/pg_regress.log")
while read -r t s; do ST_SDDL[$t]=$s; done < <(statuses "$OUT/safe_ddl/pg_regress.log")
TESTS=$(sed -n 's/^test: *//p' "$REGRESS_SRC/parallel_schedule" | tr ' ' '\n' | awk 'NF')

# A backend or worker that crashed makes the postmaster log its signal or
# exit code and restart every session.  (A background worker's exit code 1
# -- a cancelled parallel worker, the launchers at shutdown -- is normal.)
crashes() {
	grep -E 'terminated by signal|terminated by exception|exited with exit code ([2-9]|[1-9][0-9]+)|PANIC:|TRAP:|terminating any other active server processes|all server processes terminated' "$1"
}

{
	echo "PostgreSQL $SERVER_VERSION server ($PGBIN), regression suite of $SRC_VERSION ($REGRESS_SRC)"
	echo "psql: $("$REGRESS_BINDIR/psql" --version) ($REGRESS_BINDIR)"
	echo "bare:     $(grep -c . <(statuses "$OUT/bare/pg_regress.log")) tests run, $(grep -c ' FAILED$' <(statuses "$OUT/bare/pg_regress.log")) failed, $(cat "$OUT/bare/seconds")s"
	echo "safe_ddl: $(grep -c . <(statuses "$OUT/safe_ddl/pg_regress.log")) tests run, $(grep -c ' FAILED$' <(statuses "$OUT/safe_ddl/pg_regress.log")) failed, $(cat "$OUT/safe_ddl/seconds")s"
} >"$OUT/summary.txt"

# Tests allowed to differ, and how: the two outputs must be the same once
# the lines matching the pattern are left out, whatever the row counts and
# the column widths of psql's tables (else the test counts as an unexpected
# difference).  alter_table lists the locks its transaction holds, which
# include safe_ddl's own: RowExclusiveLock on the audit log, and on its id
# sequence when that transaction reserved a block of ids.
declare -A EXPECTED_LEFT_OUT=(
	[alter_table]='^ audit_log(_id_seq)? +\| RowExclusiveLock *$'
)
# The lines a diff adds or removes (its two header lines left out).
changed_lines() { tail -n +3 "$1" | grep -E '^[-+]'; }
# An output without the lines matching $2, row counts and widths evened.
normalized() {
	grep -vE "$2" "$1" | sed -E 's/\([0-9]+ rows?\)/(N rows)/; s/^[-+]+$/---/; s/ +/ /g'
}
# expected_only TEST: the test's outputs differ only as allowed.
expected_only() {
	local t=$1 pattern
	case " $EXPECTED " in *" $t "*) ;; *) return 1 ;; esac
	pattern=${EXPECTED_LEFT_OUT[$t]:-}
	[ -z "$pattern" ] && return 0
	cmp -s <(normalized "$OUT/bare/results/$t.out" "$pattern") \
		<(normalized "$OUT/safe_ddl/results/$t.out" "$pattern")
}

unexpected=0
differing=()
both_failing=()
for t in $TESTS; do
	b=${ST_BARE[$t]:-missing} s=${ST_SDDL[$t]:-missing}
	rb=$OUT/bare/results/$t.out rs=$OUT/safe_ddl/results/$t.out
	if [ "$b" = "$s" ] && [ -f "$rb" ] && [ -f "$rs" ] && cmp -s "$rb" "$rs"; then
		[ "$b" = ok ] || both_failing+=("$t")
		continue
	fi
	differing+=("$t")
	[ -f "$rb" ] || rb=/dev/null
	[ -f "$rs" ] || rs=/dev/null
	diff -U3 --label "bare/results/$t.out" --label "safe_ddl/results/$t.out" \
		"$rb" "$rs" >"$OUT/diffs/$t.diff" 2>&1
	expected_only "$t" || unexpected=$((unexpected + 1))
done

{
	echo
	if [ ${#both_failing[@]} -gt 0 ]; then
		echo "Failing on the bare server too, with the same output in both runs (not safe_ddl's): ${both_failing[*]}"
		echo "  (their diffs against the expected output: bare/regression.diffs)"
	fi
	echo
	echo "Tests whose output differs between bare and safe_ddl: ${#differing[@]}${differing[*]:+ (${differing[*]})}"
	for t in "${differing[@]}"; do
		f=$OUT/diffs/$t.diff
		plus=$(changed_lines "$f" | grep -c '^+')
		minus=$(changed_lines "$f" | grep -c '^-')
		flags=""
		grep -q '^+.*server closed the connection' "$f" && flags="$flags CONNECTION-LOST"
		grep -q '^+.*safe_ddl refused' "$f" && flags="$flags REFUSED"
		grep -q '^+.*SD00[12]\|^+WARNING:.*safe_ddl' "$f" && flags="$flags SAFE_DDL-WARNING"
		grep -q '^+ERROR:' "$f" && flags="$flags NEW-ERROR"
		if expected_only "$t"; then
			flags="$flags expected"
		else
			flags="$flags UNEXPECTED"
		fi
		echo
		echo "--- $t: bare ${ST_BARE[$t]:-missing}, safe_ddl ${ST_SDDL[$t]:-missing}; +$plus -$minus lines;${flags:- } diff: diffs/$t.diff"
		changed_lines "$f" | head -n 12 | sed 's/^/    /'
		[ $((plus + minus)) -gt 12 ] && echo "    ..."
	done
	echo
	for run in bare safe_ddl; do
		if crashes "$OUT/$run/server.log" >"$OUT/$run/crashes.txt"; then
			echo "CRASH in the $run run's server log:"
			sed 's/^/    /' "$OUT/$run/crashes.txt" | head -n 20
			unexpected=$((unexpected + 1))
		else
			echo "No crash in the $run run's server log."
		fi
	done
	refusals=$(grep -c 'ERROR:  safe_ddl refused' "$OUT/safe_ddl/server.log")
	echo "Statements safe_ddl refused in the safe_ddl run: $refusals"
	grep -A1 'ERROR:  safe_ddl refused' "$OUT/safe_ddl/server.log" >"$OUT/safe_ddl/refusals.txt"
	[ "$refusals" -gt 0 ] && sed 's/^[0-9-]* [0-9:.]* [A-Z]* [a-z ]*\[[0-9]*\] [^ ]* //' \
		"$OUT/safe_ddl/refusals.txt" | head -n 20 | sed 's/^/    /'
	if [ -s "$OUT/safe_ddl/audit_outcomes.txt" ]; then
		echo "Audit log of the regression database after the safe_ddl run:"
		sed 's/^/    /' "$OUT/safe_ddl/audit_outcomes.txt"
	fi
	echo "Results: $OUT (summary.txt, diffs/, bare/ and safe_ddl/: pg_regress.log, regression.diffs, results/, server.log)"
	echo "Total time: $(($(date +%s) - START))s"
} >>"$OUT/summary.txt"

sddl_say "summary"
cat "$OUT/summary.txt"
if [ "$unexpected" -eq 0 ]; then
	echo "core-regress: only expected differences (${EXPECTED:-none})"
else
	echo "core-regress: $unexpected unexpected difference(s) or crash(es)"
	exit 1
fi
