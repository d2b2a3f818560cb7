# safe_ddl: refuse unguarded DDL, audit every schema change.
#
# Built with PGXS.  `make demo`, `make test` and `make bench` also work on a
# machine that has no server headers yet: their scripts install what is
# missing from Debian's packages first.

EXTENSION = safe_ddl
MODULE_big = safe_ddl
OBJS = safe_ddl.o classify.o rules.o policy.o explain.o attempts.o audit.o \
	row.o ids.o inflight.o queue.o queue_file.o stats.o writer.o guard.o compat.o
DATA = $(wildcard safe_ddl--*.sql)
PGFILEDESC = "safe_ddl - refuse unguarded DDL and audit every schema change"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

.DEFAULT_GOAL := all

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
$(OBJS): $(wildcard *.h)
else
all:
	@echo "PostgreSQL server headers (PGXS) not found for $(PG_CONFIG)." >&2
	@echo "Install postgresql-server-dev-15, or run 'make demo' / 'make test'," >&2
	@echo "which install it from Debian's packages." >&2
	@exit 1
endif

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

bench:
	@bash bench/run.sh

# PostgreSQL's own regression suite, bare and with safe_ddl (see README, Tests).
core-regress:
	@bash scripts/core_regress.sh

.PHONY: demo test bench core-regress
