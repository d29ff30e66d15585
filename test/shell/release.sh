#!/usr/bin/env bash
# The release's metadata: META.json is a PGXN Meta Spec 1.0.0 document (no
# validator of the spec is packaged in Debian, so the checker below holds the
# spec's rules: required keys, every key's type and form, no unknown keys but
# x_ ones; it must also reject broken variants of the file); the versions of
# flowstream.control, META.json and debian/changelog agree, and so do the
# control file's comment and META.json's abstract of the extension;
# debian/control is what pg_buildext makes of debian/control.in; and
# `make dist` archives exactly the tracked files under flowstream-VERSION/.
# TAP output, run by prove from scripts/test; needs no server.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PGBIN=${FS_PGBIN:-/usr/lib/postgresql/15/bin}
work=$(mktemp -d /tmp/flowstream-release.XXXXXX)
trap 'rm -rf "$work"' EXIT
n=0
check() {						# check "description" command...
	local what=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}

echo "1..8"

# 1-2. the PGXN Meta Spec 1.0.0 (https://pgxn.org/spec/), its rules as a checker
cat >"$work/meta_spec.py" <<'PY'
import json, re, sys

LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
            "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
            "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
            "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown"}
SEMVER = r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
RANGE = re.compile(r"^(?:(?:[=!]=|[<>]=?)\s*)?" + SEMVER + r"$")
TERM = re.compile(r"^[^/\\\s\x00-\x1f\x7f]{2,}$")
TAG = re.compile(r"^[^/\\\x00-\x1f\x7f]{2,255}$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
errors = []

def err(path, what):
    errors.append("%s: %s" % (path, what))

def custom(key):
    return re.match(r"^[xX]_.", key) is not None

def string(path, v, pattern=None, what="a non-empty string"):
    if not isinstance(v, str) or not v or (pattern is not None and not pattern.match(v)):
        err(path, "must be %s, not %r" % (what, v))

def obj(path, v, known, required=(), nonempty=False):
    if not isinstance(v, dict):
        err(path, "must be an object, not %r" % (v,))
        return {}
    for k in required:
        if k not in v:
            err(path, "lacks the required key %r" % k)
    for k in v:
        if k not in known and not custom(k):
            err(path, "has the unknown key %r (custom keys begin with x_)" % k)
    if nonempty and not v:
        err(path, "must not be empty")
    return v

def version(path, v):
    string(path, v, re.compile("^" + SEMVER + "$"), "a semantic version (X.Y.Z)")

def path_(path, v):
    string(path, v, re.compile(r"^(?!/)(?!.*\\)(?!.*(^|/)\.\.(/|$)).{2,}$"), "a relative Unix path")

def version_range(path, v):
    if v == 0 or v == "0":
        return
    if not isinstance(v, str) or not all(RANGE.match(p.strip()) for p in v.split(",")):
        err(path, "must be 0 or a version range such as '1.2.0' or '>= 1.2.0, < 2.0.0', not %r" % (v,))

def check(meta):
    top = obj("META.json", meta,
              {"name", "version", "abstract", "maintainer", "license", "provides", "meta-spec",
               "description", "generated_by", "tags", "no_index", "prereqs", "release_status",
               "resources"},
              ("name", "version", "abstract", "maintainer", "license", "provides", "meta-spec"))
    spec = obj("meta-spec", top.get("meta-spec", {}), {"version", "url"}, ("version",))
    if "version" in spec:
        string("meta-spec.version", spec["version"], re.compile(r"^1\.0\.\d+$"), "1.0.x")
    if "url" in spec and spec["url"] not in ("https://pgxn.org/meta/spec.txt", "http://pgxn.org/meta/spec.txt"):
        err("meta-spec.url", "must be the spec's address, not %r" % spec["url"])
    if "name" in top:
        string("name", top["name"], TERM, "a term (2 or more characters, no slash, backslash or space)")
    if "version" in top:
        version("version", top["version"])
    for k in ("abstract", "description", "generated_by"):
        if k in top:
            string(k, top[k])
    if "maintainer" in top:
        m = top["maintainer"]
        if isinstance(m, list):
            if not m:
                err("maintainer", "must not be an empty list")
            for i, x in enumerate(m):
                string("maintainer[%d]" % i, x)
        else:
            string("maintainer", m, None, "a non-empty string or a list of them")
    if "license" in top:
        lic = top["license"]
        if isinstance(lic, str):
            if lic not in LICENSES:
                err("license", "%r is not one of the spec's license names" % lic)
        elif isinstance(lic, list):
            if not lic or any(x not in LICENSES for x in lic):
                err("license", "must be a non-empty list of the spec's license names")
        elif isinstance(lic, dict):
            if not lic:
                err("license", "must not be an empty object")
            for k, x in lic.items():
                string("license." + k, x, URI, "the license's URI")
        else:
            err("license", "must be a license name, a list of them or an object of URIs")
    if "provides" in top:
        prov = top["provides"]
        if not isinstance(prov, dict) or not prov:
            err("provides", "must be an object naming at least one extension")
            prov = {}
        for ext, e in prov.items():
            string("provides key", ext, TERM, "a term")
            e = obj("provides." + ext, e, {"file", "version", "abstract", "docfile"}, ("file", "version"))
            if "file" in e:
                path_("provides.%s.file" % ext, e["file"])
            if "docfile" in e:
                path_("provides.%s.docfile" % ext, e["docfile"])
            if "version" in e:
                version("provides.%s.version" % ext, e["version"])
            if "abstract" in e:
                string("provides.%s.abstract" % ext, e["abstract"])
    if "tags" in top:
        tags = top["tags"]
        if not isinstance(tags, list) or not tags:
            err("tags", "must be a non-empty list")
        else:
            for i, t in enumerate(tags):
                string("tags[%d]" % i, t, TAG, "a tag (2 to 255 characters, no slash, backslash or control character)")
    if "no_index" in top:
        ni = obj("no_index", top["no_index"], {"file", "directory"}, nonempty=True)
        for k, v in ni.items():
            for i, x in enumerate(v if isinstance(v, list) else [v]):
                path_("no_index.%s[%d]" % (k, i), x)
    if "prereqs" in top:
        pre = obj("prereqs", top["prereqs"], {"configure", "build", "test", "runtime", "develop"}, nonempty=True)
        for phase, rels in pre.items():
            if custom(phase):
                continue
            rels = obj("prereqs." + phase, rels, {"requires", "recommends", "suggests", "conflicts"}, nonempty=True)
            for rel, exts in rels.items():
                if custom(rel):
                    continue
                if not isinstance(exts, dict):
                    err("prereqs.%s.%s" % (phase, rel), "must be an object of extensions and version ranges")
                    exts = {}
                for ext, rng in exts.items():
                    string("prereqs.%s.%s key" % (phase, rel), ext, TERM, "a term")
                    version_range("prereqs.%s.%s.%s" % (phase, rel, ext), rng)
    if "release_status" in top and top["release_status"] not in ("stable", "testing", "unstable"):
        err("release_status", "must be stable, testing or unstable")
    if "resources" in top:
        res = obj("resources", top["resources"], {"homepage", "bugtracker", "repository"}, nonempty=True)
        if "homepage" in res:
            string("resources.homepage", res["homepage"], URI, "a URI")
        if "bugtracker" in res:
            bt = obj("resources.bugtracker", res["bugtracker"], {"web", "mailto"}, nonempty=True)
            if "web" in bt:
                string("resources.bugtracker.web", bt["web"], URI, "a URI")
            if "mailto" in bt:
                string("resources.bugtracker.mailto", bt["mailto"], EMAIL, "an email address")
            if isinstance(bt, dict) and not ({"web", "mailto"} & set(bt)):
                err("resources.bugtracker", "needs web or mailto")
        if "repository" in res:
            repo = obj("resources.repository", res["repository"], {"url", "web", "type"})
            for k in ("url", "web"):
                if k in repo:
                    string("resources.repository." + k, repo[k], URI, "a URI")
            if "type" in repo:
                string("resources.repository.type", repo["type"], re.compile(r"^[a-z]+$"), "a lower-case VCS name")
            if not ("web" in repo or ("url" in repo and "type" in repo)):
                err("resources.repository", "needs web, or url and type")

def validate(meta):
    del errors[:]
    check(meta)
    return list(errors)

meta = json.load(open(sys.argv[1]))
problems = validate(meta)
for p in problems:
    print("# " + p)
if sys.argv[2:] == ["--self-test"]:
    # broken variants of the real file, each of which the spec forbids
    import copy
    def variant(change):
        m = copy.deepcopy(meta)
        change(m)
        return m
    broken = {
        "no abstract": variant(lambda m: m.pop("abstract")),
        "no provides": variant(lambda m: m.pop("provides")),
        "no meta-spec": variant(lambda m: m.pop("meta-spec")),
        "version 0.2": variant(lambda m: m.update(version="0.2")),
        "license GPL": variant(lambda m: m.update(license="GPL")),
        "meta-spec 2.0.0": variant(lambda m: m["meta-spec"].update(version="2.0.0")),
        "name with a space": variant(lambda m: m.update(name="flow stream")),
        "an extension without file": variant(lambda m: [e.pop("file") for e in m["provides"].values()]),
        "an absolute file": variant(lambda m: [e.update(file="/sql/x.sql") for e in m["provides"].values()]),
        "prereqs phase 'run'": variant(lambda m: m["prereqs"].update(run={"requires": {"PostgreSQL": "15.0.0"}})),
        "a version range '15'": variant(lambda m: m["prereqs"]["runtime"]["requires"].update(PostgreSQL="15")),
        "tags a string": variant(lambda m: m.update(tags="money")),
        "an unknown key": variant(lambda m: m.update(homepage="https://example.org/")),
        "release_status final": variant(lambda m: m.update(release_status="final")),
        "an empty maintainer list": variant(lambda m: m.update(maintainer=[])),
    }
    missed = [name for name, m in broken.items() if not validate(m)]
    for name in missed:
        print("# accepted: " + name)
    print("# rejected %d of %d broken variants" % (len(broken) - len(missed), len(broken)))
    sys.exit(1 if missed or problems else 0)
sys.exit(1 if problems else 0)
PY
meta_ok() { python3 "$work/meta_spec.py" "$ROOT/META.json"; }
check "META.json is a PGXN Meta Spec 1.0.0 document (the spec's required keys, types and forms)" meta_ok
self_test() { python3 "$work/meta_spec.py" "$ROOT/META.json" --self-test; }
check "the checker rejects every broken variant of META.json it is given" self_test

# 3. what META.json names is in the distribution
meta() { python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$ROOT/META.json" "$1"; }
named_files() {
	local f missing=""
	for f in $(meta '" ".join(x for e in m["provides"].values() for x in (e["file"], e.get("docfile", "")) if x)'); do
		git -C "$ROOT" ls-files --error-unmatch -- "$f" >/dev/null 2>&1 || missing="$missing $f"
	done
	[ -z "$missing" ] || echo "# not tracked:$missing"
	[ -z "$missing" ]
}
check "the files META.json's provides names (file, docfile) are tracked files" named_files

# 4-5. one version, one description
control_version=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$ROOT/flowstream.control")
control_comment=$(sed -n "s/^comment = '\(.*\)'$/\1/p" "$ROOT/flowstream.control")
changelog_version=$(sed -n '1s/^flowstream (\([^)]*\)) .*/\1/p' "$ROOT/debian/changelog")
versions_agree() {
	local meta_version ext_version
	meta_version=$(meta 'm["version"]')
	ext_version=$(meta 'm["provides"]["flowstream"]["version"]')
	echo "# flowstream.control $control_version, META.json $meta_version (extension $ext_version), debian/changelog $changelog_version"
	[ -n "$control_version" ] && [ "$meta_version" = "$control_version" ] && [ "$ext_version" = "$control_version" ] &&
		[ "${changelog_version%-*}" = "$control_version" ] && [ "$changelog_version" != "$control_version" ] &&
		[ "$(meta 'm["provides"]["flowstream"]["file"]')" = "sql/flowstream--$control_version.sql" ] &&
		[ -f "$ROOT/sql/flowstream--$control_version.sql" ]
}
check "flowstream.control's default_version, META.json's versions and debian/changelog's upstream version agree (${control_version:-none})" versions_agree
comments_agree() { [ -n "$control_comment" ] && [ "$(meta 'm["provides"]["flowstream"]["abstract"]')" = "$control_comment" ]; }
check "flowstream.control's comment is META.json's abstract of the extension" comments_agree

# 6. debian/control is made from debian/control.in (pg_buildext writes its
# temporary file into debian/: a copy of the directory keeps the tree as it is)
control_fresh() {
	mkdir -p "$work/pkg" && cp -a "$ROOT/debian" "$work/pkg/" &&
		(cd "$work/pkg" && pg_buildext checkcontrol >"$work/checkcontrol.out" 2>&1) ||
		{ sed 's/^/# /' "$work/checkcontrol.out"; return 1; }
}
check "debian/control is what pg_buildext updatecontrol makes of debian/control.in" control_fresh

# 7-8. make dist, in a clone of this checkout's HEAD
tarball=flowstream-$control_version.tar.gz
dist_made() {
	git clone -q "$ROOT" "$work/clone" &&
		make -C "$work/clone" -s PG_CONFIG="$PGBIN/pg_config" dist >"$work/dist.out" 2>&1 &&
		[ -s "$work/clone/$tarball" ] || { sed 's/^/# /' "$work/dist.out"; return 1; }
}
check "make dist writes $tarball" dist_made
dist_exact() {
	[ -s "$work/clone/$tarball" ] || return 1
	tar -tzf "$work/clone/$tarball" | grep -v '/$' | sort >"$work/archived"
	git -C "$ROOT" ls-tree -r --name-only HEAD | sed "s|^|flowstream-$control_version/|" | sort >"$work/tracked"
	diff "$work/tracked" "$work/archived" | head -n 20 | sed 's/^/# /'
	cmp -s "$work/tracked" "$work/archived"
}
check "$tarball holds exactly HEAD's $(git -C "$ROOT" ls-tree -r --name-only HEAD | wc -l) tracked files, under flowstream-$control_version/" dist_exact
