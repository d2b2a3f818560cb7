# safe_ddl: refuse unguarded DDL, audit every schema change.
#
# Built with PGXS.  `make demo`, `make test` and `make bench` also work on a
# machine that has no server headers yet: their scripts install what is
# missing from Debian's packages first.

EXTENSION = safe_ddl
MODULE_big = safe_ddl
OBJS = safe_ddl.o statements.o classify.o rules.o policy.o explain.o \
	retry.o attempts.o audit.o row.o ids.o inflight.o queue.o queue_file.o \
	stats.o workers.o writer.o guard.o compat.o \
	revert.o sampler.o
DATA = $(wildcard safe_ddl--*.sql)
PGFILEDESC = "safe_ddl - refuse unguarded DDL and audit every schema change"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))

# The highest major installed the Debian way, else pg_config from PATH.
PG_CONFIG ?= $(or $(lastword $(sort $(wildcard /usr/lib/postgresql/*/bin/pg_config))),pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

# Only where pg_isolation_regress is installed (Debian's PostgreSQL 13
# packages do not ship it).  Simply expanded: pgxs.mk tests it with ifdef.
ISOLATION := $(if $(wildcard $(dir $(PGXS))../../src/test/isolation/pg_isolation_regress),$(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec))))

.DEFAULT_GOAL := all

# installcheck: pg_regress's own DROP/CREATE DATABASE are DDL that safe_ddl
# refuses when no timeout guards them.  Create the test databases here, with
# a timeout, and let pg_regress use them as they are.  A lock_timeout in
# PGOPTIONS instead would be in effect in the tests too, where a RESET must
# leave no timeout.
CONTRIB_TESTDB ?= contrib_regression
ISOLATION_TESTDB ?= isolation_regression
REGRESS_PREP = installcheck-databases
REGRESS_OPTS = --use-existing
ISOLATION_OPTS = --use-existing

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
$(OBJS): $(wildcard *.h)

SDDL_PSQL = "$(bindir)/psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c "SET lock_timeout = '5s'" -c "SET statement_timeout = '60s'"
installcheck-databases:
	$(SDDL_PSQL) -c "DROP DATABASE IF EXISTS $(CONTRIB_TESTDB)" -c "CREATE DATABASE $(CONTRIB_TESTDB)"
ifdef ISOLATION
	$(SDDL_PSQL) -c "DROP DATABASE IF EXISTS $(ISOLATION_TESTDB)" -c "CREATE DATABASE $(ISOLATION_TESTDB)"
endif
else
all:
	@echo "PostgreSQL server headers (PGXS) not found for $(PG_CONFIG)." >&2
	@echo "Install postgresql-server-dev-NN (NN: the server's major), or run 'make demo' / 'make test'," >&2
	@echo "which install it from Debian's packages." >&2
	@exit 1
endif

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

bench:
	@bash bench/run.sh

# This version against an earlier one (BASE, a git revision): see bench/versions.sh.
bench-versions:
	@bash bench/versions.sh

# PostgreSQL's own regression suite, bare and with safe_ddl (see README, Tests).
core-regress:
	@bash scripts/core_regress.sh

test-matrix:
	@bash scripts/matrix.sh

.PHONY: demo test bench bench-versions core-regress test-matrix installcheck-databases
