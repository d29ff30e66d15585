# flowstream — PGXS build.  `make && make install`, then the tests through
# scripts/test (which starts its own server).

EXTENSION = flowstream
MODULE_big = flowstream
OBJS = src/wide.o src/flow.o src/flowtext.o \
       src/convert.o src/stream_type.o src/stream_funcs.o src/settings.o src/api.o src/operations.o src/history.o src/verify.o src/sweeper.o src/aggregates.o
DATA = $(wildcard sql/flowstream--*.sql)

REGRESS = type arithmetic transitions examples property convert
ISOLATION = api_concurrency sweep_concurrency

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

# The benchmarks: their own throwaway cluster; writes BENCHMARKS.md and bench/throughput.png.
bench:
	bash bench/run.sh
.PHONY: bench
