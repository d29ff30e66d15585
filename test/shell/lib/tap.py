"""TAP for the Python parts of the shell tests (test/shell/*.sh run them with
PYTHONPATH=test/shell/lib): the plan first, a line per check, an exit status
that says whether every planned check ran and passed.  Not a test itself."""
import sys

import psycopg2

_planned = 0
_ran = 0
_failures = 0


def plan(n):
    global _planned
    _planned = n
    print("1..%d" % n, flush=True)


def check(ok, what, diag=None, todo=None):
    """One test; a failing one marked todo (a known gap: its reason) is not a failure."""
    global _ran, _failures
    _ran += 1
    print("%s %d - %s%s" % ("ok" if ok else "not ok", _ran, what, " # TODO " + todo if todo else ""), flush=True)
    if not ok:
        _failures += 0 if todo else 1
        if diag is not None:
            for line in str(diag).splitlines():
                print("# " + line, flush=True)


def connect(role=None):
    """An autocommit connection to the database named by the first argument
    (PGHOST, PGPORT, PGUSER from the environment), as role if given."""
    c = psycopg2.connect(dbname=sys.argv[1])
    c.autocommit = True
    if role:
        c.cursor().execute("SET ROLE " + role)
    return c


def finish():
    sys.exit(1 if _failures or _ran != _planned else 0)
