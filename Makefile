# flowstream — PGXS build.  `make && make install`; `make installcheck` runs
# the fast deterministic suites against a running server (PGHOST, PGPORT,
# PGUSER); scripts/test runs every suite on a server of its own.

EXTENSION = flowstream
MODULE_big = flowstream
# The core (no PostgreSQL), the SQL translation, then the managed layer;
# each file calls only those before it (src/managed.h says which does what).
OBJS = src/wide.o src/flow.o src/flowtext.o src/ops.o src/derive.o src/account.o src/accounttext.o \
       src/convert.o src/report.o src/stream_type.o src/stream_funcs.o src/aggregates.o \
       src/account_type.o src/user_trigger.o src/user_history.o \
       src/settings.o src/catalog.o src/events.o src/restore.o src/restore_accounts.o src/operators.o src/apply_accounts.o \
       src/apply.o src/apply_bulk.o src/triggers.o src/api.o src/api_bulk.o src/api_accounts.o src/api_operators.o src/view.o src/sweeper.o src/automation.o src/verify_accounts.o \
       src/verify.o
DATA = $(wildcard sql/flowstream--*.sql)

# `make installcheck` runs, in this order: the core's test programs (TAP, through
# prove), the pgTAP files (through pg_prove, in the database PGTAP_DB, which
# must be pg_cron's cron.database_name for 10_sweeper.sql), then pg_regress
# (REGRESS) and pg_isolation_regress (ISOLATION).  Naming any of CORE_TESTS,
# PGTAP, REGRESS or ISOLATION on the command line runs only the ones named:
#   make installcheck REGRESS=examples ISOLATION=      one pg_regress test
#   make installcheck PGTAP=test/pgtap/01_api.sql      one pgTAP file
REGRESS = type arithmetic transitions fixed_terms examples property managed user_tables user_tables_property convert
ISOLATION = api_concurrency sweep_concurrency token_decimals maintain_concurrency terms_concurrency accounts_concurrency bulk_concurrency
PGTAP = $(sort $(wildcard test/pgtap/*.sql))
CORE_TESTS = test/core/flow_unit test/core/flow_property test/core/ops_property \
             test/core/account_unit test/core/account_property
PGTAP_DB ?= flowstream
# CHECK=package: what the Debian package's build runs against the packaged
# files (debian/rules): the pg_regress files and isolation specs that need no
# test program, pgTAP or pg_cron, and no property test (scripts/test runs those)
ifeq ($(CHECK),package)
CORE_TESTS =
PGTAP =
REGRESS = type arithmetic transitions examples managed user_tables
endif
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
CORE_SRCS = src/wide.c src/flow.c src/flowtext.c src/ops.c src/derive.c src/account.c src/accounttext.c
CORE_CFLAGS = -O2 -g -std=c11 -Wall -Wextra -Isrc

test/core/flow_property: test/core/flow_property.c $(CORE_SRCS) src/flow.h src/wide.h src/ops.h
	$(CC) $(CORE_CFLAGS) -o $@ test/core/flow_property.c $(CORE_SRCS)

test/core/flow_unit: test/core/flow_unit.c $(CORE_SRCS) src/flow.h src/wide.h src/ops.h
	$(CC) $(CORE_CFLAGS) -o $@ test/core/flow_unit.c $(CORE_SRCS)

test/core/ops_property: test/core/ops_property.c $(CORE_SRCS) src/flow.h src/wide.h src/ops.h
	$(CC) $(CORE_CFLAGS) -o $@ test/core/ops_property.c $(CORE_SRCS)

test/core/account_unit: test/core/account_unit.c test/core/oracle.h $(CORE_SRCS) src/account.h src/flow.h src/wide.h
	$(CC) $(CORE_CFLAGS) -o $@ test/core/account_unit.c $(CORE_SRCS)

test/core/account_property: test/core/account_property.c test/core/oracle.h $(CORE_SRCS) src/account.h src/flow.h src/wide.h
	$(CC) $(CORE_CFLAGS) -o $@ test/core/account_property.c $(CORE_SRCS)

core-test: core-test-build
	test/core/flow_unit
	test/core/flow_property
	test/core/ops_property
	test/core/account_unit
	test/core/account_property

.PHONY: core-test
EXTRA_CLEAN = test/core/flow_property test/core/flow_unit test/core/ops_property test/core/account_unit test/core/account_property

core-test-build: test/core/flow_unit test/core/flow_property test/core/ops_property test/core/account_unit test/core/account_property
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
list-core:
	@echo $(CORE_TESTS)
.PHONY: list-regress list-isolation list-core

# The benchmarks: their own throwaway cluster; writes BENCHMARKS.md and bench/throughput.png.
bench:
	bash bench/run.sh
# every benchmark at a small scale, in a few minutes: a check of the harness (bench/results-quick/)
bench-quick:
	BENCH_QUICK=1 bash bench/run.sh
.PHONY: bench bench-quick

# Releases.  The version is flowstream.control's default_version; META.json and
# debian/changelog must agree with it (test/shell/release.sh checks).
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'$$/\1/p" $(srcdir)/flowstream.control)

# make dist: flowstream-VERSION.tar.gz for PGXN (and a Debian orig tarball),
# the files of the commit HEAD under flowstream-VERSION/, as git archive
# writes them: commit first, what is not committed is not in it.
dist:
	@git diff --quiet HEAD -- || echo "make dist: uncommitted changes are not in the archive (it is HEAD's)" >&2
	git archive --format=tar.gz --prefix=flowstream-$(EXTVERSION)/ -o flowstream-$(EXTVERSION).tar.gz HEAD
.PHONY: dist

# make deb: the Debian package postgresql-15-flowstream (debian/), built with
# dpkg-buildpackage -us -uc -b in a temporary copy of the tracked files as the
# work tree has them (`git stash create`), so this tree stays as it is.  The
# build runs the regression tests against the packaged files (pg_buildext,
# pg_virtualenv; DEB_BUILD_OPTIONS=nocheck leaves them out).  The .deb,
# .buildinfo and .changes files go to DEBDIR, by default the parent directory
# as dpkg-buildpackage's own.  Needs debhelper and postgresql-server-dev-all.
# (The copy is readable by all: the build's test server, run as postgres,
# loads the packaged files from it.)
DEBDIR ?= $(abspath $(CURDIR)/..)
deb:
	@set -e; \
	tmp=$$(mktemp -d /tmp/flowstream-deb.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	chmod 755 "$$tmp"; tree=$$(git stash create); \
	git archive --prefix=flowstream-$(EXTVERSION)/ $${tree:-HEAD} | tar -x -C "$$tmp"; \
	(cd "$$tmp/flowstream-$(EXTVERSION)" && dpkg-buildpackage -us -uc -b); \
	mkdir -p "$(DEBDIR)"; \
	cp "$$tmp"/*.deb "$$tmp"/*.buildinfo "$$tmp"/*.changes "$(DEBDIR)/"; \
	cd "$$tmp" && for f in *.deb; do echo "make deb: $(DEBDIR)/$$f"; done
.PHONY: deb
