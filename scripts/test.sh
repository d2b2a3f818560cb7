#!/usr/bin/env bash
# make test: install what is missing, build, and run every test suite
# against throwaway clusters.  The last line is "N passed, M failed".
set -u
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SDDL_TOP" || exit 1

passed=0
failed=0
summary=()

# Count one suite: add to the totals and keep a line for the summary.
tally() {
	local suite=$1 ok=$2 bad=$3
	passed=$((passed + ok))
	failed=$((failed + bad))
	summary+=("$(printf '%-12s %4d passed, %d failed' "$suite" "$ok" "$bad")")
}

finish() {
	sddl_say "summary"
	printf '%s\n' "${summary[@]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if ! sddl_install_deps || ! sddl_build_install; then
	tally build 0 1
	finish
fi

OUT=$(mktemp -d /tmp/safe_ddl_results.XXXXXX)
chmod 755 "$OUT"
cleanup_all() { sddl_cleanup; rm -rf "$OUT"; }

if ! sddl_cluster_start; then
	tally cluster 0 1
	finish
fi
trap cleanup_all EXIT

# pg_regress and pg_isolation_regress print "test NAME ... ok" (PG 15) or
# TAP-style "ok N - NAME" (PG 16+).
count_regress() {
	local file=$1
	REG_OK=$(grep -cE '^(test |     )?[a-z0-9_]+ +\.\.\. ok|^ok [0-9]+ +[-+] ' "$file")
	REG_BAD=$(grep -cE '\.\.\. FAILED|^not ok [0-9]+ ' "$file")
}

# --- pg_regress -------------------------------------------------------
tests=$(ls sql/*.sql 2>/dev/null | sed 's|sql/||; s|\.sql$||' | sort)
if [ -n "$tests" ]; then
	sddl_say "pg_regress: $(echo $tests)"
	# pg_regress's own DROP/CREATE DATABASE would be refused: make the
	# database here, with a timeout, and let pg_regress use it.
	sddl_psql_ddl postgres "CREATE DATABASE contrib_regression"
	"$PG_REGRESS" --use-existing --inputdir=. --outputdir="$OUT/regress" \
		--bindir="$PGBIN" --dbname=contrib_regression $tests >"$OUT/regress.log" 2>&1
	cat "$OUT/regress.log"
	count_regress "$OUT/regress.log"
	[ -f "$OUT/regress/regression.diffs" ] && cat "$OUT/regress/regression.diffs"
	[ $((REG_OK + REG_BAD)) -eq 0 ] && REG_BAD=1
	tally pg_regress "$REG_OK" "$REG_BAD"
fi

# --- isolation --------------------------------------------------------
specs=$(ls specs/*.spec 2>/dev/null | sed 's|specs/||; s|\.spec$||' | sort)
# Debian's PostgreSQL 13 packages do not ship pg_isolation_regress.
if [ -n "$specs" ] && [ ! -x "$PG_ISOLATION_REGRESS" ]; then
	sddl_say "isolation: skipped, $PG_ISOLATION_REGRESS is not installed"
	summary+=("$(printf '%-12s skipped (no pg_isolation_regress)' isolation)")
	specs=""
fi
if [ -n "$specs" ]; then
	sddl_say "isolation: $(echo $specs)"
	sddl_psql_ddl postgres "CREATE DATABASE isolation_regression"
	"$PG_ISOLATION_REGRESS" --use-existing --inputdir=. --outputdir="$OUT/isolation" \
		--bindir="$PGBIN" --dbname=isolation_regression $specs >"$OUT/isolation.log" 2>&1
	cat "$OUT/isolation.log"
	count_regress "$OUT/isolation.log"
	[ -f "$OUT/isolation/regression.diffs" ] && cat "$OUT/isolation/regression.diffs"
	[ $((REG_OK + REG_BAD)) -eq 0 ] && REG_BAD=1
	tally isolation "$REG_OK" "$REG_BAD"
fi

# --- pgTAP ------------------------------------------------------------
if ls test/*.sql >/dev/null 2>&1; then
	sddl_say "pgTAP: $(cd test && echo *.sql)"
	sddl_psql_ddl postgres "CREATE DATABASE sddl_tap" &&
		sddl_psql_ddl sddl_tap "CREATE EXTENSION pgtap"
	pg_prove -d sddl_tap test/*.sql >"$OUT/pgtap.log" 2>&1
	cat "$OUT/pgtap.log"
	# "Files=2, Tests=40, ..." and, on failure, "Failed 3/40 subtests"
	total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$OUT/pgtap.log")
	bad=$(awk '/Failed [0-9]+\/[0-9]+ subtests/ { split($2, a, "/"); n += a[1] } END { print n + 0 }' "$OUT/pgtap.log")
	if [ -z "$total" ]; then
		tally pgTAP 0 1
	else
		grep -q '^Result: PASS' "$OUT/pgtap.log" || [ "$bad" -gt 0 ] || bad=1
		tally pgTAP $((total - bad > 0 ? total - bad : 0)) "$bad"
	fi
fi

sddl_cleanup

# --- Perl TAP ---------------------------------------------------------
# PostgreSQL::Test::Cluster runs initdb: run as postgres, from a copy of
# t/ that postgres can write to (the checkout may not be writable by it).
if ls t/*.pl >/dev/null 2>&1; then
	sddl_say "Perl TAP: $(cd t && echo *.pl)"
	mkdir -p "$OUT/tap"
	cp -r t "$OUT/tap/"
	chown -R postgres: "$OUT/tap"
	(cd "$OUT/tap" && runuser -u postgres -- env PATH="$PATH" PG_REGRESS="$PG_REGRESS" \
		prove -v -I "$PGXS_DIR/src/test/perl" t/*.pl) >"$OUT/tap.log" 2>&1
	grep -vE '^# |^\s*$' "$OUT/tap.log" | grep -vE "^(ok|not ok) " || true
	grep -E "^not ok " "$OUT/tap.log" || true
	ok=$(grep -cE '^ok [0-9]+' "$OUT/tap.log")
	bad=$(grep -cE '^not ok [0-9]+' "$OUT/tap.log")
	# A script that died or missed its plan counts as a failure too.
	if ! grep -q '^Result: PASS' "$OUT/tap.log"; then
		[ "$bad" -eq 0 ] && bad=1
		for log in "$OUT"/tap/tmp_check/log/*.log; do
			[ -f "$log" ] && { echo "--- $log"; tail -40 "$log"; }
		done
	fi
	tally "Perl TAP" "$ok" "$bad"
fi

finish
