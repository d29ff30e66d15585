#!/usr/bin/env bash
# The SQL of the README and of the reference under docs/, run as written:
# every ```sql block that README.md or a docs/*.md page marks
# "<!-- tested: ... -->" runs in psql as a superuser, in a database of its
# own, and its output must be what the page shows under each statement
# (the lines "--  ..." and "-- ---..." in psql's aligned format).  TAP
# output, run by prove from scripts/test (PGHOST, PGPORT, PGUSER set).
#
#   FIX_README=1 test/shell/readme.sh     writes the actual output into the
#                 page of the first block that differs
#   README_SECTION='A five-minute tour' test/shell/readme.sh
#                 runs only the first ```sql block after that heading, marked
#                 or not (test/shell/deb.sh runs the tour on the package)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
DB=fs_readme_$$
work=$(mktemp -d)
trap 'rm -rf "$work"; "$PGBIN/dropdb" --if-exists "$DB" >/dev/null 2>&1' EXIT

python3 - "$ROOT" "$work" "$PGBIN/psql" "$DB" "$PGBIN/createdb" "$PGBIN/dropdb" <<'PY'
import glob, os, re, subprocess, sys

root, work, psql, db, createdb, dropdb = sys.argv[1:7]
OUTPUT = re.compile(r"^-- [ -]")          # a line of a result, as the page shows it
section = os.environ.get("README_SECTION")
pages = ["README.md"] + ([] if section else sorted(os.path.relpath(p, root) for p in glob.glob(root + "/docs/*.md")))
texts = {p: open(os.path.join(root, p)).read().split("\n") for p in pages}

blocks = []                               # (page, first line index, last line index exclusive)
for page in pages:
    text = texts[page]
    i = 0
    while i < len(text):
        if text[i].startswith("<!-- tested:") and i + 1 < len(text) and text[i + 1].strip() == "```sql":
            j = i + 2
            while j < len(text) and text[j].strip() != "```":
                j += 1
            blocks.append((page, i + 2, j))
            i = j
        i += 1
if section:
    text = texts["README.md"]
    heading = [k for k, l in enumerate(text) if l.startswith("#") and l.lstrip("#").strip() == section][:1]
    fence = [k for k in range(heading[0] + 1, len(text)) if text[k].strip() == "```sql"][:1] if heading else []
    blocks = []
    for k in fence:
        j = k + 1
        while j < len(text) and text[j].strip() != "```":
            j += 1
        blocks.append(("README.md", k + 1, j))

print("1..%d" % max(len(blocks), 1))
if not blocks:
    print("not ok 1 - README.md has no %s" % ("```sql block after the heading " + repr(section) if section else "tested SQL block"))
    sys.exit(1)

failed = 0
for n, (page, a, b) in enumerate(blocks, 1):
    text = texts[page]
    shown = [l.rstrip() for l in text[a:b]]
    script = [l for l in shown if not OUTPUT.match(l)]
    subprocess.run([dropdb, "--if-exists", db], capture_output=True)
    subprocess.run([createdb, db], check=True)
    run = subprocess.run([psql, "-X", "-q", "-a", "-v", "ON_ERROR_STOP=1", "-P", "footer=off", "-d", db],
                         input="\n".join(script) + "\n", capture_output=True, text=True)
    # psql -a echoes every non-empty input line before running it: what is
    # not an echo is a result, shown under its statement with "-- "
    got, k = [], 0
    for line in run.stdout.rstrip("\n").split("\n"):
        line = line.rstrip()
        nxt = k
        while nxt < len(script) and script[nxt] == "":
            nxt += 1
        if nxt < len(script) and line == script[nxt]:
            got.extend(script[k:nxt + 1])          # the blank lines before it, and it
            k = nxt + 1
        elif line:
            got.append(("-- " + line).rstrip())
    got.extend(script[k:])
    name = "%s block (line %d)" % (page, a + 1)
    if run.returncode != 0:
        failed += 1
        print("not ok %d - %s runs in psql" % (n, name))
        for l in run.stderr.strip().split("\n")[-10:]:
            print("# " + l)
    elif got != shown:
        failed += 1
        print("not ok %d - %s shows what psql prints" % (n, name))
        import difflib
        for l in list(difflib.unified_diff(shown, got, page, "psql", lineterm=""))[:40]:
            print("# " + l)
        if os.environ.get("FIX_README"):
            open(os.path.join(root, page), "w").write("\n".join(text[:a] + got + text[b:]))
            print("# %s rewritten with what psql printed: run again" % page)
            sys.exit(1)
    else:
        results = sum(1 for i, l in enumerate(got) if OUTPUT.match(l) and (i == 0 or not OUTPUT.match(got[i - 1])))
        print("ok %d - %s runs in psql and shows what psql prints (%d results)" % (n, name, results))
subprocess.run([dropdb, "--if-exists", db], capture_output=True)
sys.exit(1 if failed else 0)
PY
