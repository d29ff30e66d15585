#!/usr/bin/env bash
# The reference under docs/ against the installed extension: every public
# function, table and view of flowstream (the members of the extension in
# pg_depend, less the functions PostgreSQL itself calls: a type's I/O, an
# operator's or operator class's, an aggregate's support functions and the
# trigger functions of flowstream's own tables) has its entry, a heading
#     ### `flowstream.name(identity arguments)`      or
#     ### `flowstream.name` (table|view)
# on a docs/*.md page; every entry names a function, table or view that
# exists; every function entry says who may call it, what it returns and its
# errors; and every public function is called in an example that
# test/shell/readme.sh runs (a "<!-- tested: -->" block of README.md or
# docs/*.md), but for the two that need pg_cron's database and the three
# pieces of a Citus install (ELSEWHERE).  TAP output, run by prove from scripts/test (PGHOST, PGPORT,
# PGUSER set; FS_PGBIN's psql when set), in a database of its own.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
DB=fs_docs_$$
work=$(mktemp -d)
trap 'rm -rf "$work"; "$PGBIN/dropdb" --if-exists "$DB" >/dev/null 2>&1' EXIT

echo "1..6"
q() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
if ! { "$PGBIN/createdb" "$DB" && q -c "CREATE EXTENSION flowstream"; } >"$work/setup.log" 2>&1; then
	sed 's/^/# /' "$work/setup.log"
	for n in 1 2 3 4 5 6; do echo "not ok $n - not run: flowstream cannot be created in a database of this server"; done
	exit 1
fi
q >"$work/functions" <<'SQL'
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'flowstream'),
member AS (SELECT d.classid, d.objid FROM pg_depend d, ext
           WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
called_by_postgres AS (
    SELECT unnest(ARRAY[typinput, typoutput, typreceive, typsend]) AS oid FROM pg_type
    UNION SELECT oprcode FROM pg_operator
    UNION SELECT amproc FROM pg_amproc
    UNION SELECT unnest(ARRAY[aggtransfn, aggfinalfn, aggcombinefn, aggserialfn, aggdeserialfn]) FROM pg_aggregate
    UNION SELECT t.tgfoid FROM pg_trigger t JOIN member m ON m.classid = 'pg_class'::regclass AND m.objid = t.tgrelid)
SELECT format('flowstream.%s(%s)', p.proname, pg_get_function_identity_arguments(p.oid))
FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
WHERE p.oid NOT IN (SELECT oid FROM called_by_postgres WHERE oid IS NOT NULL)
ORDER BY 1;
SQL
q >"$work/relations" <<'SQL'
SELECT format('flowstream.%s (%s)', c.relname, CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END)
FROM pg_depend d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'p', 'v', 'm')
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'flowstream')
ORDER BY 1;
SQL

python3 - "$ROOT" "$work" <<'PY'
import glob, os, re, sys
root, work = sys.argv[1:3]
functions = open(work + "/functions").read().split("\n")[:-1]
relations = open(work + "/relations").read().split("\n")[:-1]
pages = sorted(glob.glob(root + "/docs/*.md"))
FUNC = re.compile(r"^### `(flowstream\.\w+\(.*\))`\s*$")
REL = re.compile(r"^### `(flowstream\.\w+)` \((table|view)\)\s*$")
doc_funcs, doc_rels, entries = {}, {}, {}
for page in pages:
    name = os.path.relpath(page, root)
    lines = open(page).read().split("\n")
    for i, line in enumerate(lines):
        m = FUNC.match(line)
        if m:
            doc_funcs.setdefault(m.group(1), []).append(name)
            body = []
            for l in lines[i + 1:]:
                if l.startswith("#"):
                    break
                body.append(l)
            entries[m.group(1)] = "\n".join(body)
        m = REL.match(line)
        if m:
            doc_rels.setdefault("%s (%s)" % (m.group(1), m.group(2)), []).append(name)

n = failed = 0
def check(ok, what, problems):
    global n, failed
    n += 1
    failed += 0 if ok else 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    for p in problems[:30]:
        print("# " + p)
    if len(problems) > 30:
        print("# ... and %d more" % (len(problems) - 30))
    return ok

missing = [f for f in functions if f not in doc_funcs]
check(len(functions) > 50 and not missing,
      "every public function of the installed extension (%d) has its entry under docs/" % len(functions),
      ["not documented: " + f for f in missing] + ([] if len(functions) > 50 else ["only %d functions found" % len(functions)]))
extra = [f for f in doc_funcs if f not in functions]
twice = ["%s on %s" % (f, ", ".join(p)) for f, p in doc_funcs.items() if len(p) > 1]
check(bool(doc_funcs) and not extra and not twice,
      "every documented function (%d entries) exists, and has one entry" % len(doc_funcs),
      ["no such public function: " + f for f in extra] + ["documented twice: " + t for t in twice])
missing = [r for r in relations if r not in doc_rels]
check(len(relations) > 10 and not missing,
      "every table and view of the extension (%d) has its entry under docs/" % len(relations),
      ["not documented: " + r for r in missing])
extra = [r for r in doc_rels if r not in relations]
check(bool(doc_rels) and not extra, "every documented table and view (%d) exists" % len(doc_rels),
      ["no such table or view: " + r for r in extra])
incomplete = ["%s lacks %s" % (f, ", ".join(k for k in ("Who may call:", "Returns:", "Errors:") if k not in body))
              for f, body in sorted(entries.items())
              if not all(k in body for k in ("Who may call:", "Returns:", "Errors:"))]
check(bool(entries) and not incomplete, "every function entry says who may call it, what it returns and its errors",
      incomplete)

# the tested examples: README.md's and docs' "<!-- tested: -->" sql blocks
tested = []
for page in [root + "/README.md"] + pages:
    lines = open(page).read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("<!-- tested:") and i + 1 < len(lines) and lines[i + 1].strip() == "```sql":
            for l in lines[i + 2:]:
                if l.strip() == "```":
                    break
                if not l.startswith("-- "):
                    tested.append(l)
code = "\n".join(tested)
names = sorted({f.split("(")[0] for f in functions})
# need pg_cron's database (cron.database_name), which the examples' databases
# are not: test/shell/sweeper_cron.sh and test/pgtap/10_sweeper.sql run them;
# and the pieces of a Citus install, which a single node refuses or uses only
# in its policies: test/pgtap/31_distribute.sql and test/citus/run.sh run them
ELSEWHERE = {"flowstream.schedule_sweeper", "flowstream.unschedule_sweeper",
             "flowstream.distribute", "flowstream.create_stream_at", "flowstream.operates_for"}
uncalled = [f for f in names if f not in ELSEWHERE and not re.search(r"\b%s\s*\(" % re.escape(f), code)]
check(not uncalled, "every public function (%d names) is called in an example that test/shell/readme.sh runs" % len(names),
      ["in no tested example: " + f for f in uncalled])
sys.exit(1 if failed else 0)
PY
