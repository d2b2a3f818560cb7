# shellcheck shell=bash
# Shared by scripts/test.sh and scripts/demo.sh: install what is missing,
# build, and run a throwaway cluster.  Source it; do not run it.
#
# PostgreSQL refuses to run as root: clusters run as the postgres OS user,
# in a temporary directory that holds the data and the Unix socket, and are
# stopped and removed on exit, whatever happened.

SDDL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The PostgreSQL major to build and test against, unless PG_VERSION says:
# SDDL_PGBIN's (another, relocated installation's bin directory), else the
# highest one installed under /usr/lib/postgresql, else the one Debian's
# "postgresql" package would install.
sddl_pg_version() {
	local v=""
	if [ -n "${SDDL_PGBIN:-}" ] && [ -x "$SDDL_PGBIN/pg_config" ]; then
		v=$("$SDDL_PGBIN/pg_config" --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
	fi
	[ -z "$v" ] && v=$(ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1)
	[ -z "$v" ] && v=$(apt-cache depends postgresql 2>/dev/null |
		sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -1)
	echo "${v:-15}"
}
# A PG_VERSION that is not a major (e.g. "15.4-1.pgdg120+1", which some
# container images export) is not taken.
case "${PG_VERSION:-}" in
'' | *[!0-9]*) PG_VERSION=$(sddl_pg_version) ;;
esac
PGBIN=${SDDL_PGBIN:-/usr/lib/postgresql/$PG_VERSION/bin}
PG_CONFIG=$PGBIN/pg_config
PGXS_DIR=${PGBIN%/bin}/lib/pgxs
export PG_REGRESS=$PGXS_DIR/src/test/regress/pg_regress
export PG_ISOLATION_REGRESS=$PGXS_DIR/src/test/isolation/pg_isolation_regress
export PATH="$PGBIN:$PATH"

SDDL_PACKAGES="make gcc postgresql-$PG_VERSION postgresql-server-dev-$PG_VERSION
  postgresql-$PG_VERSION-pgtap libtap-parser-sourcehandler-pgtap-perl
  libipc-run-perl postgresql-$PG_VERSION-pgaudit"
# The tools some tests drive (pg_repack, ActiveRecord, sqitch): installed
# where the release has them; a test whose tool is missing says so and
# skips.
SDDL_TOOL_PACKAGES="postgresql-$PG_VERSION-repack ruby-activerecord ruby-pg
  sqitch libdbd-pg-perl"

sddl_say() { printf '\n== %s\n' "$*"; }

# Install the Debian packages that are missing (quiet when none is).
sddl_missing_packages() {
	local pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
			echo "$pkg"
	done
}

sddl_install_deps() {
	local missing tools pkg
	missing=$(sddl_missing_packages $SDDL_PACKAGES)
	tools=$(sddl_missing_packages $SDDL_TOOL_PACKAGES)
	[ -z "$missing" ] && [ -z "$tools" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		[ -z "$missing" ] && return 0
		echo "missing packages: $(echo $missing) (run as root, or install them)" >&2
		return 1
	fi
	apt-get update -qq || return 1
	if [ -n "$missing" ]; then
		sddl_say "installing $(echo $missing)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || return 1
	fi
	for pkg in $tools; do
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
			echo "note: $pkg is not available here; the tests that drive it will skip" >&2
	done
	return 0
}

# Build warning-free (-Wextra too, but for the unused parameters of
# PostgreSQL's own headers and callback signatures) and install into the
# server's directories.
sddl_build_install() {
	sddl_say "building safe_ddl"
	make -s -C "$SDDL_TOP" PG_CONFIG="$PG_CONFIG" PG_CFLAGS="-Wall -Wextra -Wno-unused-parameter -Werror" &&
		make -s -C "$SDDL_TOP" PG_CONFIG="$PG_CONFIG" install >/dev/null
}

SDDL_TMP=""

sddl_cleanup() {
	if [ -n "$SDDL_TMP" ] && [ -d "$SDDL_TMP" ]; then
		if [ -f "$SDDL_TMP/data/postmaster.pid" ]; then
			runuser -u postgres -- "$PGBIN/pg_ctl" -D "$SDDL_TMP/data" -m immediate \
				stop >/dev/null 2>&1 || true
		fi
		rm -rf "$SDDL_TMP"
	fi
	SDDL_TMP=""
}

# Start a cluster with safe_ddl preloaded.  Extra arguments are lines for
# postgresql.conf.  Exports PGHOST, PGPORT, PGUSER, SDDL_DATA, SDDL_LOG.
sddl_cluster_start() {
	local line
	SDDL_TMP=$(mktemp -d /tmp/safe_ddl.XXXXXX)
	chmod 755 "$SDDL_TMP"
	chown postgres: "$SDDL_TMP"
	trap sddl_cleanup EXIT
	trap 'sddl_cleanup; exit 130' INT TERM

	SDDL_DATA=$SDDL_TMP/data
	SDDL_LOG=$SDDL_TMP/server.log
	runuser -u postgres -- "$PGBIN/initdb" --auth=trust -U postgres --no-sync \
		-D "$SDDL_DATA" >"$SDDL_TMP/initdb.log" 2>&1 ||
		{ cat "$SDDL_TMP/initdb.log" >&2; return 1; }
	{
		echo "shared_preload_libraries = 'safe_ddl'"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$SDDL_TMP'"
		echo "port = 5432"
		echo "fsync = off"
		echo "max_connections = 40"
		for line in "$@"; do echo "$line"; done
	} >>"$SDDL_DATA/postgresql.conf"
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$SDDL_DATA" -l "$SDDL_LOG" -w start \
		>/dev/null || { cat "$SDDL_LOG" >&2; return 1; }

	export PGHOST=$SDDL_TMP PGPORT=5432 PGUSER=postgres SDDL_DATA SDDL_LOG
}

# Housekeeping DDL (creating test databases) as the superuser: with a
# timeout, so that safe_ddl lets it run, and unaudited, since the database
# it runs in has no audit log.
sddl_psql_ddl() {
	psql -X -q -v ON_ERROR_STOP=1 -d "${1:-postgres}" \
		-c "SET lock_timeout = '5s'" -c "SET safe_ddl.audit = off" -c "$2"
}
