# flowstream — PGXS build.  `make && make install`; `make installcheck` runs
# the fast deterministic suites against a running server (PGHOST, PGPORT,
# PGUSER); scripts/test runs every suite on a server of its own.

EXTENSION = flowstream
MODULE_big = flowstream
OBJS = src/wide.o src/flow.o src/flowtext.o \
       src/convert.o src/stream_type.o src/stream_funcs.o src/settings.o src/api.o src/operations.o src/history.o src/verify.o src/sweeper.o src/aggregates.o
DATA = $(wildcard sql/flowstream--*.sql)

# `make installcheck` runs, in this order: the core's test programs (TAP, through
# prove), the pgTAP files (through pg_prove, in the database PGTAP_DB, which
# must be pg_cron's cron.database_name for 10_sweeper.sql), then pg_regress
# (REGRESS) and pg_isolation_regress (ISOLATION).  Naming any of CORE_TESTS,
# PGTAP, REGRESS or ISOLATION on the command line runs only the ones named:
#   make installcheck REGRESS=examples ISOLATION=      one pg_regress test
#   make installcheck PGTAP=test/pgtap/01_api.sql      one pgTAP file
REGRESS = type arithmetic transitions examples property
ISOLATION = api_concurrency sweep_concurrency
PGTAP = $(sort $(wildcard test/pgtap/*.sql))
CORE_TESTS = test/core/flow_unit test/core/flow_property
PGTAP_DB ?= flowstream
ifneq ($(findstring command line,$(origin CORE_TESTS) $(origin PGTAP) $(origin REGRESS) $(origin ISOLATION)),)
ifneq ($(origin CORE_TESTS),command line)
CORE_TESTS =
endif
ifneq ($(origin PGTAP),command line)
PGTAP =
endif
ifneq ($(origin REGRESS),command line)
REGRESS =
endif
ifneq ($(origin ISOLATION),command line)
ISOLATION =
endif
endif

PG_CONFIG ?= pg_config
# PostgreSQL's own headers are included as system headers, so that
# -Wall -Wextra speak of this project's code only.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CFLAGS = -Wall -Wextra
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Every object depends on every header (PGXS tracks no header dependencies).
$(OBJS): $(wildcard src/*.h)

# The core (no PostgreSQL) alone: its unit and property tests.
CORE_SRCS = src/wide.c src/flow.c src/flowtext.c
CORE_CFLAGS = -O2 -g -std=c11 -Wall -Wextra -Isrc

test/core/flow_property: test/core/flow_property.c $(CORE_SRCS) src/flow.h src/wide.h
	$(CC) $(CORE_CFLAGS) -o $@ test/core/flow_property.c $(CORE_SRCS)

test/core/flow_unit: test/core/flow_unit.c $(CORE_SRCS) src/flow.h src/wide.h
	$(CC) $(CORE_CFLAGS) -o $@ test/core/flow_unit.c $(CORE_SRCS)

core-test: core-test-build
	test/core/flow_unit
	test/core/flow_property

.PHONY: core-test
EXTRA_CLEAN = test/core/flow_property test/core/flow_unit

core-test-build: test/core/flow_unit test/core/flow_property
.PHONY: core-test-build

# installcheck (PGXS: pg_regress, then pg_isolation_regress) after the core and pgTAP
installcheck: installcheck-core installcheck-pgtap

installcheck-core: $(CORE_TESTS)
ifneq ($(strip $(CORE_TESTS)),)
	prove $(CORE_TESTS)
endif

installcheck-pgtap:
ifneq ($(strip $(PGTAP)),)
	@$(bindir)/psql -X -At -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$(PGTAP_DB)'" | grep -q 1 || \
		$(bindir)/createdb $(PGTAP_DB)
	pg_prove --psql-bin $(bindir)/psql -d $(PGTAP_DB) $(PGTAP)
endif
.PHONY: installcheck-core installcheck-pgtap

# the planned tests of each kind, for test/regress/run.sh
list-regress:
	@echo $(REGRESS)
list-isolation:
	@echo $(ISOLATION)
.PHONY: list-regress list-isolation

# The benchmarks: their own throwaway cluster; writes BENCHMARKS.md and bench/throughput.png.
bench:
	bash bench/run.sh
.PHONY: bench
