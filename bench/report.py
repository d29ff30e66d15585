#!/usr/bin/env python3
"""bench/report.py RESULTS_DIR BENCHMARKS_MD THROUGHPUT_DAT

Turns the raw figures bench/run.sh wrote into BENCHMARKS.md and the data
file of the throughput chart.  Every figure is a median of runs made side
by side (interleaved) in the one run of the benchmark.
"""
import csv
import statistics
import sys
from collections import defaultdict
from pathlib import Path

results, md_path, dat_path = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])


def rows(name):
    with open(results / name, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


info = {}
for line in (results / "info.tsv").read_text().splitlines():
    k, _, v = line.partition("\t")
    info[k] = v

writes = defaultdict(list)          # (mode, clients, side) -> [tps]
write_rep = {}                      # (mode, clients, side, rep) -> tps
for r in rows("writes.tsv"):
    writes[(r["mode"], int(r["clients"]), r["side"])].append(float(r["tps"]))
    write_rep[(r["mode"], int(r["clients"]), r["side"], r["rep"])] = float(r["tps"])
reads = defaultdict(list)           # query -> [ms]
read_rep = defaultdict(dict)        # rep -> query -> ms
for r in rows("reads.tsv"):
    reads[r["query"]].append(float(r["ms"]))
    read_rep[r["rep"]][r["query"]] = float(r["ms"])
aborts = defaultdict(list)          # (mode, clients, side) -> [(clients aborted, first error)]
for r in rows("aborts.tsv"):
    aborts[(r["mode"], int(r["clients"]), r["side"])].append((r["rep"], r["aborted_clients"], r["error"]))
sweeps = defaultdict(list)          # small|big -> [ms]
for r in rows("sweeper.tsv"):
    sweeps[r["streams"]].append(float(r["ms"]))
maintains = defaultdict(list)       # small|big -> [ms]
if (results / "maintain.tsv").exists():
    for r in rows("maintain.tsv"):
        maintains[r["streams"]].append(float(r["ms"]))
liquidations = defaultdict(list)    # small|big -> [ms]
if (results / "liquidation.tsv").exists():
    for r in rows("liquidation.tsv"):
        liquidations[r["accounts"]].append(float(r["ms"]))

def med(values):
    return statistics.median(values) if values else float("nan")


def tps_cell(key):
    """The median tps of a side, and how many of its runs were aborted."""
    v = med(writes.get(key, []))
    cell = "aborted" if v != v else fmt_int(v)
    if aborts.get(key):
        cell += f" ({len(aborts[key])} run{'s' if len(aborts[key]) > 1 else ''} aborted)"
    return v, cell


def ratio_cell(f, b):
    return "—" if f != f or b != b else f"{f / b:.2f}"


def paired_write_ratio(mode, c, num="flowstream"):
    """The median of num / baseline over the runs made one after the other."""
    pairs = [write_rep[(mode, c, num, rep)] / write_rep[(mode, c, "baseline", rep)]
             for (m_, c_, side, rep) in write_rep
             if (m_, c_, side) == (mode, c, num) and (mode, c, "baseline", rep) in write_rep]
    return f"{med(pairs):.2f}" if pairs else "—"


QUIET = " (notifications off: `set_notifications(false)`)"


def paired_read_ratio(num, den):
    """The median over the rounds of time(num) / time(den), both timed in the same round."""
    return med([r[num] / r[den] for r in read_rep.values() if num in r and den in r])


def verdict(ok):
    return "**met**" if ok else "**missed**"


def fmt_int(x):
    return f"{x:,.0f}"


def mib(b):
    return f"{int(b) / 1048576:,.1f} MiB"


out = []
w = out.append
elapsed = int(info.get("elapsed_s", 0))
w("# flowstream benchmarks")
w("")
w("Written by `make bench` (`bash bench/run.sh`): it installs what is missing, builds and installs")
w("flowstream, starts a throwaway PostgreSQL 15 cluster on port 54440, loads the data, runs every")
w("benchmark below side by side with what it is compared with, and writes this file and")
w("[`bench/throughput.png`](bench/throughput.png) (raw figures and pgbench logs: `bench/results/`).")
w("Every figure is a **ratio measured in the same run**, the two sides interleaved (flowstream,")
w("baseline, flowstream, baseline, …) and each side's median taken, because the machines are")
w("shared and noisy: compare ratios between runs, not absolute numbers.")
w("")
w("| | |")
w("|---|---|")
w(f"| date | {info.get('date')} |")
w(f"| command | `make bench` — took {elapsed // 60} min {elapsed % 60} s, setup included |")
w(f"| machine | {info.get('nproc')} CPUs ({info.get('cpu')}), {info.get('memory_gb')} GB memory, "
  f"{info.get('os')}, Linux {info.get('kernel')} |")
w(f"| load average | {info.get('load_avg_start')} at the start, {info.get('load_avg_end')} at the end |")
w(f"| PostgreSQL | {info.get('pg_version')} |")
w(f"| flowstream | commit {info.get('commit')} (when the build started; `flowstream.so` md5 {info.get('so_md5')}…) |")
w(f"| settings | {info.get('settings')} huge_pages={info.get('huge_pages', 'off')} |")
w("")


# --------------------------------------------------------------------------
# Every target of issue #15, met or missed, each a ratio of this run, with
# the command that reproduces it.  Placed after the header (see below).
# --------------------------------------------------------------------------
def mr(name):
    return med(reads.get(name, []))


def per_round(num, den):
    v = [r[num] / r[den] for r in read_rep.values() if num in r and den in r and r[den]]
    return statistics.median(v) if v else float("nan")


tg = []
t = tg.append
t("## Targets of issue #15")
t("")
t("Each row is a ratio of two medians measured side by side in this run; *met* or **missed** by")
t("the target of the issue. The command column is what `make bench` ran (setting up the data as")
t("the sections below say).")
t("")
t("| target | measured | goal | | reproduce |")
t("|---|---:|---|---|---|")
for side, how in (("flowstream", ""), ("quiet", QUIET)):
    for c in sorted({k[1] for k in writes if k[0] == "async"}):
        f, b = med(writes.get(("async", c, side), [])), med(writes.get(("async", c, "baseline"), []))
        if f == f:
            t(f"| writes, {c} client{'s' if c > 1 else ''}, async commit: flowstream{how} / bare UPDATE+INSERT tps | "
              f"{f / b:.2f} | ≥ 0.80 | {verdict(f / b >= 0.8)} | `pgbench -M prepared -c {c} -f bench/fs_write.sql` vs `-f bench/base_write.sql` |")
    f, b = med(writes.get(("hot", 8, side), [])), med(writes.get(("hot", 8, "baseline"), []))
    if f == f:
        t(f"| one hot stream, 8 clients: flowstream{how} / bare tps | {f / b:.2f} | ≥ 0.70 | {verdict(f / b >= 0.7)} | "
          "`pgbench -c 8 -f bench/fs_hot.sql` vs `-f bench/base_hot.sql` |")
    for c in sorted({k[1] for k in writes if k[0] == "flows"}):
        f, b = med(writes.get(("flows", c, side), [])), med(writes.get(("flows", c, "baseline"), []))
        if f == f:
            t(f"| account ops, {c} client{'s' if c > 1 else ''}: flowstream{how} / bare three-row UPDATE+INSERT tps | "
              f"{f / b:.2f} | ≥ 0.70 | {verdict(f / b >= 0.7)} | `pgbench -c {c} -f bench/fs_flow.sql` vs `-f bench/base_flow.sql` |")
if "fs_covered" in reads:
    r = mr("fs_covered") / mr("stored_covered")
    t(f"| per row: `sum(covered_debt(state, t))` / `sum()` of a stored numeric of the same values | {r:.2f} | ≤ 1.25 | "
      f"{verdict(r <= 1.25)} | `{info.get('rowread_cmd_fs_covered')}` vs `{info.get('rowread_cmd_stored_covered')}` |")
    r = mr("fs_balance") / mr("stored_balance")
    t(f"| per row: `sum(balance(state))` / `sum(balance)` stored | {r:.2f} | ≤ 1.25 | {verdict(r <= 1.25)} | "
      f"`{info.get('rowread_cmd_fs_balance')}` vs `{info.get('rowread_cmd_stored_balance')}` |")
    t(f"| per row, beside it: inlined SQL time / flowstream time | {mr('sql_covered') / mr('fs_covered'):.2f}× | (reported) | | "
      f"`{info.get('rowread_cmd_sql_covered')}` |")
    t(f"| per row, beside it: PL/pgSQL time / flowstream time | {mr('plpgsql_covered') / mr('fs_covered'):.2f}× | (reported) | | "
      f"`{info.get('rowread_cmd_plpgsql_covered')}` |")
r = mr("flowstream_agg") / mr("sum_bigint")
t(f"| aggregate: `debt_sums` / `sum(bigint)` over the same rows, serial | {r:.2f} | ≤ 1.5 | {verdict(r <= 1.5)} | "
  "`PGOPTIONS='-c enable_indexscan=off -c enable_indexonlyscan=off -c enable_bitmapscan=off'` "
  "`SELECT (flowstream.debt_sums(state, now())).* FROM flowstream.streams` vs `SELECT sum(id) FROM flowstream.streams`, "
  "each in a backend that ran it once |")
if "agg_par2" in reads:
    r = mr("agg_serial") / mr("agg_par2")
    t(f"| aggregate: `debt_sums` serial time / with 2 workers | {r:.2f}× | ≥ 1.6× | {verdict(r >= 1.6)} | "
      f"`PGOPTIONS='{info.get('par_options')}'` `{info.get('par_cmd')}` |")
if "bulk_fs_s" in info:
    r = float(info["bulk_fs_s"]) / float(info["bulk_base_s"])
    t(f"| bulk: {int(info['bulk_n']):,} streams through `create_streams()` / bare `INSERT … SELECT` of the same rows and events | "
      f"{r:.2f}× | ≤ 3× | {verdict(r <= 3)} | `{info.get('bulk_cmd')}` vs `{info.get('bulk_base_cmd')}` |")
st = int(info.get("size_state", 0))
t(f"| size of a value (`pg_column_size`) | {st} B | ≤ 96 B | {verdict(st <= 96)} | "
  "`SELECT pg_column_size(state) FROM flowstream.streams LIMIT 1` |")
ev_rows = max(int(info.get("size_events_rows", 1)), 1)
per_event = int(info.get("size_events_total", 0)) / ev_rows
year = per_event * 365 * 1_000_000
t(f"| size per event (table + indexes) | {per_event:,.0f} B | (reported) | | "
  "`SELECT pg_total_relation_size('flowstream.events') / count(*) FROM flowstream.events` |")
t(f"| a year of history, 10⁶ streams, one operation a day each (365 × 10⁶ events at that size) | "
  f"{year / 2**30:,.0f} GiB | (reported) | | the row above × 365 × 10⁶ |")
t("")

out.extend(tg)

if aborts:
    w("## ⚠ Failures")
    w("")
    w("pgbench stops a client at its first error, and an aborted client makes a run's figure")
    w("meaningless, so these runs are left out of the medians below (and `make bench` exits with an")
    w("error):")
    w("")
    w("| mode | clients | side | run | clients aborted | first error |")
    w("|---|---:|---|---:|---:|---|")
    for (mode, c, side), items in sorted(aborts.items()):
        for rep, n_ab, err in items:
            w(f"| {mode} | {c} | {side} | {rep} | {n_ab} | `{err}` |")
    w("")

# --------------------------------------------------------------------------
w("## Writes")
w("")
w("`pgbench -M prepared`, one transaction = one statement, "
  f"{info.get('write_runs')} per side and setting, interleaved; the median of their tps.")
w("")
w("* **flowstream** (`bench/fs_write.sql`): one API call on a random stream among the 10⁵ payroll")
w("  streams (tokens with 2, 6, 8 and 18 decimals): `flowstream.deposit`, `flowstream.withdraw`")
w("  (one base unit) or `flowstream.adjust_rate` (a new random rate), a third each, as their sender,")
w("  an ordinary role. Each call locks the row, checks who acts, applies the operation, updates the")
w("  row and appends its event (the trigger checks the write).")
w("* **baseline** (`bench/base_write.sql`): the least any ledger write must do — one `UPDATE` of a")
w("  random row of the same width (`bench.ledger`: the same columns, the same 88-byte state type,")
w("  primary key, sender and recipient indexes, same fillfactor) and one `INSERT` into a log table")
w("  like `flowstream.events` (same columns and indexes), in one statement, with nothing else: no")
w("  check, no trigger, no computation.")
w("* **notifications off**: flowstream again, after `flowstream.set_notifications(false)` (and on")
w("  again after the run). Every event is a `NOTIFY` at commit by default (SPEC §8), and PostgreSQL")
w("  serializes the commits of notifying transactions across the whole cluster (a lock taken before")
w("  the commit record and held until the transaction ends, so that listeners get notifications in")
w("  commit order): with more than one client, that lock is what the default configuration waits on.")
w("  An installation that does not `LISTEN` to `flowstream_events` can turn them off.")
w("* `synchronous_commit = off` compares the CPU work of each operation; `on` (flushed, `fsync = on`)")
w("  adds the WAL flush that every commit waits for. Before each run: `VACUUM` of both tables and a")
w("  `CHECKPOINT`, so both sides start alike. Any client aborted by an error fails the benchmark.")
w("")
for mode, title in (("async", "synchronous_commit = off"), ("flushed", "synchronous_commit = on (flushed)")):
    w(f"**{title}**")
    w("")
    w("| clients | flowstream tps | baseline tps | flowstream / baseline | median of paired ratios | target ≥ 0.80 |")
    w("|---:|---:|---:|---:|---:|---|")
    for side, how in (("flowstream", ""), ("quiet", ", notifications off")):
        for c in sorted({k[1] for k in list(writes) + list(aborts) if k[0] == mode and k[2] == side}):
            f, fc = tps_cell((mode, c, side))
            b, bc = tps_cell((mode, c, "baseline"))
            target = verdict(f / b >= 0.8 and not aborts.get((mode, c, side))) \
                if mode == "async" else "(no target: reported beside)"
            w(f"| {c}{how} | {fc} | {bc} | {ratio_cell(f, b)} | {paired_write_ratio(mode, c, side)} | {target} |")
    w("")
hot = [k for k in list(writes) + list(aborts) if k[0] == "hot"]
if hot:
    c = hot[0][1]
    f, fc = tps_cell(("hot", c, "flowstream"))
    b, bc = tps_cell(("hot", c, "baseline"))
    w(f"**One hot stream**, {c} clients, `synchronous_commit = off`: every client deposits into stream 1")
    w("(`bench/fs_hot.sql`), against every client updating row 1 and logging it (`bench/base_hot.sql`):")
    w("")
    w("| clients | flowstream tps | baseline tps | flowstream / baseline | median of paired ratios |")
    w("|---:|---:|---:|---:|---:|")
    w(f"| {c} | {fc} | {bc} | {ratio_cell(f, b)} | {paired_write_ratio('hot', c)} |")
    if ("hot", c, "quiet") in writes:
        q, qc = tps_cell(("hot", c, "quiet"))
        w(f"| {c}, notifications off | {qc} | {bc} | {ratio_cell(q, b)} | {paired_write_ratio('hot', c, 'quiet')} |")
    w("")
hot_upd = info.get("hot_updates", "")
if hot_upd:
    parts = []
    for item in hot_upd.split(";"):
        name, upd, hot_n = item.split()
        parts.append(f"`{name}` {int(hot_n) / max(int(upd), 1):.0%} of {fmt_int(int(upd))}")
    w("HOT updates over all write runs (an update that changes no indexed column and finds room on")
    w("its page writes no index entry): " + ", ".join(parts) + ".")
    w("")
w("![throughput against clients](bench/throughput.png)")
w("")

# --------------------------------------------------------------------------
w("## Reads")
w("")
n_rows = info.get("sweeper_rows_big", "1000000")
w(f"Total, covered and uncovered debt summed over all {int(n_rows):,} streams at `now()`, one")
w("backend, no parallel workers, no JIT (single-core comparisons), index scans off (so `sum(id)` reads")
w("the same rows as the others, not the primary key's index alone). Each query is warmed up once, then")
w("timed " + str(len(reads.get("flowstream_agg", []))) + " times, interleaved with the others, each time in a backend that has just run it")
w("once (a new backend's first touch of each shared-buffer page is a page fault, which costs more")
w("than the scan on this virtual machine and is no part of the query: see PROFILE.md);")
w("the median of the server's execution time (`EXPLAIN (ANALYZE, TIMING OFF)`). Before timing, the")
w("harness checks that all five implementations return the same three sums, to the last digit:")
w(f"`{info.get('read_sums', '')}`.")
w("")
names = {
    "flowstream_agg": "flowstream `(flowstream.debt_sums(state, now())).*` (the aggregate)",
    "flowstream_rows": "flowstream `sum(flowstream.total_debt(state, now()))`, `sum(covered_debt…)`, `sum(uncovered_debt…)`",
    "plpgsql": "(a) PL/pgSQL `bench.stream_debts(…)` over numeric columns, `LATERAL`",
    "sql": "(b) `LANGUAGE sql` `bench.stream_debts_sql(…)`, inlined `LATERAL` subquery",
    "sql_scalar": "(b′) `LANGUAGE sql` `bench.total_debt_sql(…)`, inlined expression",
    "sum_bigint": "(c) `sum(id)` over the same `flowstream.streams` rows (a Seq Scan)",
    "sum_bigint_narrow": "(c′) `sum(v)` over a table of 10⁶ bigints alone",
}
m = {q: med(v) for q, v in reads.items()}
w("| query | median ms | ns per stream |")
w("|---|---:|---:|")
for q in ("flowstream_agg", "flowstream_rows", "plpgsql", "sql", "sql_scalar", "sum_bigint", "sum_bigint_narrow"):
    if q in m:
        w(f"| {names[q]} | {m[q]:,.1f} | {m[q] * 1e6 / int(n_rows):,.0f} |")
w("")
b_best = min(m["sql"], m["sql_scalar"])
b_name = "(b)" if m["sql"] <= m["sql_scalar"] else "(b′)"
w("(b) is the faster of the two SQL forms, here " + b_name + ". Targets, for the aggregate and for the")
w("per-row functions:")
w("")
w("| comparison | target | aggregate | (per round) | met? | per-row functions | (per round) | met? |")
w("|---|---|---:|---:|---|---:|---:|---|")
b_q = "sql" if m["sql"] <= m["sql_scalar"] else "sql_scalar"
for label, target, num, den, ok in (
        ("(a) PL/pgSQL time / flowstream time", "≥ 10×", "plpgsql", None, lambda r: r >= 10),
        (f"(b) SQL {b_name} time / flowstream time", "≥ 5×", b_q, None, lambda r: r >= 5),
        ("flowstream time / (c) sum(bigint) time", "≤ 1.5×", None, "sum_bigint", lambda r: r <= 1.5),
        ("flowstream time / (c′) narrow sum(bigint) time", "(information)", None, "sum_bigint_narrow", None)):
    cells = []
    for fq in ("flowstream_agg", "flowstream_rows"):
        n_q, d_q = (num, fq) if num else (fq, den)
        r, pr = m[n_q] / m[d_q], paired_read_ratio(n_q, d_q)
        cells += [f"{r:.2f}×", f"{pr:.2f}×", verdict(ok(r)) if ok else ""]
    w(f"| {label} | {target} | " + " | ".join(cells) + " |")
w("")
w("The ratios are of the medians; \"(per round)\" is the median over the rounds of the ratio within")
w("each round, less sensitive to the load of the machine drifting during the run.")
w("")

# --------------------------------------------------------------------------
w("## Sweeper")
w("")
small, big = med(sweeps["small"]), med(sweeps["big"])
w("`SELECT flowstream.void_insolvent(1000)` inside `BEGIN … ROLLBACK` (so that every run voids the")
w(f"same 1,000 due streams), {len(sweeps['small'])} runs each, the median of `EXPLAIN ANALYZE`'s execution")
w("time, each in a backend that has just run it once, rolled back too (as for the reads: a new")
w("backend's page faults are not the sweeper's work). The due streams have no balance and `void_after = '0'`; all the others have a grace of 7 days")
w("and are funded for months, so that they are in the sweeper's index but not due.")
w("")
w("| streams in the table | due | median ms | per voided stream |")
w("|---:|---:|---:|---:|")
w(f"| {int(info.get('sweeper_rows_small', 0)):,} | 1,000 | {small:,.1f} | {small:,.0f} µs |")
w(f"| {int(info.get('sweeper_rows_big', 0)):,} | 1,000 | {big:,.1f} | {big:,.0f} µs |")
ratio = big / small
w("")
w(f"Time at 10⁶ / time at 10⁵: **{ratio:.2f}** — target within ±20% (0.80 to 1.20): "
  f"{verdict(0.8 <= ratio <= 1.2)}. The plan of the sweeper's own query at 10⁶ streams, as it ran")
w("(`auto_explain`, nested statements):")
w("")
w("```")
w((results / "sweeper_plan_big.txt").read_text().rstrip())
w("```")
w("")
if maintains:
    msmall, mbig = med(maintains["small"]), med(maintains["big"])
    mratio = mbig / msmall
    w("The whole maintenance job (#14) on the same data, `SELECT * FROM flowstream.maintain(1000)` inside")
    w(f"`BEGIN … ROLLBACK`, {len(maintains['small'])} runs each: the 1,000 due streams are its work (voided);")
    w("its other parts (liquidations, top-ups, payouts, runway alerts) look through their indexes and")
    w("find nothing due.")
    w("")
    w("| streams in the table | items due | median ms |")
    w("|---:|---:|---:|")
    w(f"| {int(info.get('sweeper_rows_small', 0)):,} | 1,000 | {msmall:,.1f} |")
    w(f"| {int(info.get('sweeper_rows_big', 0)):,} | 1,000 | {mbig:,.1f} |")
    w("")
    w(f"Time at 10⁶ / time at 10⁵: **{mratio:.2f}** — flat is within ±20% (0.80 to 1.20): "
      f"{verdict(0.8 <= mratio <= 1.2)}.")
    w("")

# --------------------------------------------------------------------------
if liquidations:
    w("## Accounts and flows")
    w("")
    w("The accounts of SPEC §6 in one token, USDF (6 decimals, a buffer of one hour), loaded by a")
    w("benchmark-only fast path like the streams' (`bench.load_accounts`: an `account_deposit` and an")
    w("`open_flow` event per sender, each with the states after it, the rows as the API writes them),")
    w(f"{int(info.get('acc_rows_small', 0)):,} accounts and {int(info.get('flow_rows_small', 0)):,} flows "
      "first; `verify()` then reports nothing.")
    w("")
    w("**Writes.** `pgbench -M prepared`, every call its own transaction, "
      f"{info.get('write_runs')} per side and setting, interleaved, `synchronous_commit = off`;")
    w("the median of their tps, where pgbench's transaction is one run of the script: an `update_flow`,")
    w("or an `open_flow` then a `close_flow` (so each is a third of the calls).")
    w("")
    w("* **flowstream** (`bench/fs_flow.sql`): as `acme_app`, an application that acts for its users")
    w("  (`flowstream.actor` set in the transaction that acts): `update_flow` of a random flow among the")
    w(f"  first {int(info.get('acc_n_flows', 0)):,} (0.0005 to 0.002 USDF/s, out of 200,000 USDF each), or `open_flow` and")
    w("  `close_flow` of the client's own pair. Each call locks two accounts and the flow, checks who")
    w("  acts, settles both accounts, computes the buffer and the critical time, writes the flow's row,")
    w("  both accounts' rows and the event.")
    w("* **baseline** (`bench/base_flow.sql`): the least such a write does — one statement that updates")
    w("  the flow's row (inserts it, to open) and its two accounts' rows in tables of the same columns")
    w("  and indexes (`bench.flow`, `bench.acct`), and appends the event with both accounts' states")
    w("  (`bench.ledger_log`, like `flowstream.events`): no check, no trigger, no computation.")
    w("")
    w("| clients | flowstream tps | baseline tps | flowstream / baseline | median of paired ratios |")
    w("|---:|---:|---:|---:|---:|")
    for side, how in (("flowstream", ""), ("quiet", ", notifications off")):
        for c in sorted({k[1] for k in list(writes) + list(aborts) if k[0] == "flows" and k[2] == side}):
            f, fc = tps_cell(("flows", c, side))
            b, bc = tps_cell(("flows", c, "baseline"))
            w(f"| {c}{how} | {fc} | {bc} | {ratio_cell(f, b)} | {paired_write_ratio('flows', c, side)} |")
    w("")
    hot_f = info.get("hot_updates_flows", "")
    if hot_f:
        parts = []
        for item in hot_f.split(";"):
            name, upd, hot_n = item.split()
            parts.append(f"`{name}` {int(hot_n) / max(int(upd), 1):.0%} of {fmt_int(int(upd))}")
        w("HOT updates over these runs: " + ", ".join(parts) + " (an account's stored critical time is")
        w("indexed, so flowstream's account updates are not HOT; the baseline's are).")
        w("")
    w(f"`verify()` afterwards ({int(info.get('verify_accounts_events', 0)):,} events, the streams' "
      f"included): 0 problems, {float(info.get('verify_accounts_s', 0)):.1f} s.")
    w("")
    ls, lb = med(liquidations["small"]), med(liquidations["big"])
    w("**Liquidation.** `SELECT flowstream.liquidate_critical(1000)` inside `BEGIN … ROLLBACK` (every")
    w(f"run closes the flows of the same 1,000 critical accounts), {len(liquidations['small'])} runs each, the")
    w("median of `EXPLAIN ANALYZE`'s execution time. The critical accounts pay 0.001 USDF/s and have")
    w("burnt part of their one-hour buffer (none is insolvent); every other sender has an open flow, so")
    w("it is in the liquidation's index (its stored critical time), years from due.")
    w("")
    w("| accounts in the table | open flows | indexed critical times | critical | median ms | per liquidated account |")
    w("|---:|---:|---:|---:|---:|---:|")
    for label, v in (("small", ls), ("big", lb)):
        w(f"| {int(info.get('liquidation_rows_' + label, 0)):,} | {int(info.get('liquidation_flows_' + label, 0)):,} | "
          f"{int(info.get('liquidation_indexed_' + label, 0)):,} | 1,000 | {v:,.1f} | {v:,.0f} µs |")
    lr = lb / ls
    w("")
    w(f"Time at the large size / time at the small: **{lr:.2f}** — target within ±20% (0.80 to 1.20): "
      f"{verdict(0.8 <= lr <= 1.2)}. The plan of the liquidation's own query at the large size, as it ran")
    w("(`auto_explain`, nested statements):")
    w("")
    w("```")
    w((results / "liquidation_plan_big.txt").read_text().rstrip())
    w("```")
    w("")
    fr = int(info.get("acc_size_flows_rows", 0))
    w("| | bytes | per row |")
    w("|---|---:|---:|")
    w(f"| a `flowstream.account` value (`pg_column_size`) | {info.get('acc_size_state')} | |")
    w(f"| a `flowstream.accounts` row (`avg(pg_column_size(row))`) | {info.get('acc_size_row_avg')} | |")
    an = int(info.get("liquidation_rows_big", 0))
    for r, n_r in (("accounts", an), ("flows", fr)):
        for k, label in (("table", "table"), ("indexes", "indexes"), ("total", "table + indexes + TOAST")):
            v = int(info.get(f"acc_size_{r}_{k}", 0))
            w(f"| `flowstream.{r}` {label} ({n_r:,} rows) | {v:,} ({mib(v)}) | {v / max(n_r, 1):,.0f} |")
    w("")
    w("| step | time |")
    w("|---|---:|")
    w(f"| fast load of {int(info.get('acc_n_flows', 0)):,} flows (their senders and receivers) | {float(info.get('acc_load_small_s', 0)):.1f} s |")
    w(f"| fast load of {int(info.get('acc_load_big_n', 0)):,} more flows | {float(info.get('acc_load_big_s', 0)):.1f} s |")
    w("")
    w("`verify()` is not run at the large size: it checks every account's history again (about "
      f"{float(info.get('verify_accounts_s', 0)) * 1e6 / max(int(info.get('verify_accounts_events', 1)), 1):,.0f} µs")
    w("per event above, streams' events included), longer than the rest of the benchmark allows; the")
    w("loader is the one verified at the small size.")
    w("")

# --------------------------------------------------------------------------
if "fs_covered" in reads:
    w("## Reads per row, and the aggregate in parallel")
    w("")
    w("One backend, no JIT, at one fixed time; `bench.plain_streams` (the same streams with numeric")
    w("columns) is given a column `covered` holding each stream's covered debt at that time, so that")
    w("`sum(covered)` is the floor any function returning a `numeric` per row has. The sums agree to")
    w(f"the last digit: covered `{info.get('rowread_sum_fs_covered')}`, balance `{info.get('rowread_sum_fs_balance')}`.")
    w("")
    w("| query | median ms | ratio to the stored numeric |")
    w("|---|---:|---:|")
    for q, den in (("fs_covered", "stored_covered"), ("stored_covered", "stored_covered"),
                   ("sql_covered", "stored_covered"), ("plpgsql_covered", "stored_covered"),
                   ("fs_balance", "stored_balance"), ("stored_balance", "stored_balance")):
        w(f"| `{info.get('rowread_cmd_' + q)}` | {mr(q):,.1f} | {mr(q) / mr(den):.2f} (per round {per_round(q, den):.2f}) |")
    w("")
    w("`debt_sums` with parallel workers (forced: `" + info.get("par_options", "") + "`); the sums are")
    w(f"those of the serial run, `{info.get('par_sums')}`, and the plan launched both workers:")
    w("")
    w("| query | median ms |")
    w("|---|---:|")
    w(f"| debt_sums, serial | {mr('agg_serial'):,.1f} |")
    w(f"| debt_sums, 2 workers | {mr('agg_par2'):,.1f} |")
    w(f"| sum(id), 2 workers (for comparison) | {mr('bigint_par2'):,.1f} |")
    w("")
if "bulk_fs_s" in info:
    n_b = int(info["bulk_n"])
    w("## Bulk")
    w("")
    w(f"{n_b:,} streams (acme's, the four tokens, each with a deposit) created by one `create_streams()` call")
    w("over the rows of a table, as acme, in one transaction: each stream through `create_stream()`'s own")
    w(f"step, with its checks and its create and deposit events ({int(info.get('bulk_events', 0)):,} events). The baseline")
    w("inserts the very rows and events that call wrote, copied aside beforehand, into tables of the")
    w("same columns and indexes (`LIKE … INCLUDING ALL`), in one transaction: no computation, no check.")
    w("")
    w("| step | seconds | per stream |")
    w("|---|---:|---:|")
    for k, label in (("bulk_fs_s", "`create_streams()`"), ("bulk_base_s", "bare `INSERT … SELECT` of the rows and events"),
                     ("bulk_deposit_s", "`deposit_many()` of every one of them (for information)")):
        v = float(info.get(k, 0))
        w(f"| {label} | {v:,.1f} | {v * 1e6 / n_b:,.0f} µs |")
    w("")
    w(f"`verify()` afterwards: {info.get('verify_bulk_problems')} problem rows.")
    w("")

# --------------------------------------------------------------------------
w("## Size")
w("")
n = int(info.get("size_streams_rows", n_rows))
w(f"After loading {n:,} streams and `VACUUM FULL flowstream.streams` (so no dead rows count;")
w(f"storage parameters of `flowstream.streams`: {info.get('streams_reloptions')}, the free space included).")
w("")
w("| | bytes | per stream |")
w("|---|---:|---:|")
w(f"| a `flowstream.stream` value (`pg_column_size`) | {info.get('size_state')} | |")
w(f"| a `flowstream.streams` row (`avg(pg_column_size(row))`) | {info.get('size_row_avg')} | |")
rows_n = int(info.get("size_streams_rows", 0))
for k, label in (("table", "table"), ("indexes", "indexes"), ("total", "table + indexes + TOAST")):
    v = int(info.get(f"size_streams_{k}", 0))
    w(f"| `flowstream.streams` {label} ({rows_n:,} rows) | {v:,} ({mib(v)}) | {v / n:,.0f} |")
for k, v in sorted(info.items()):
    if k.startswith("size_idx_"):
        w(f"| index `{k[len('size_idx_'):]}` | {int(v):,} ({mib(v)}) | {int(v) / n:,.0f} |")
w(f"| for comparison: the same streams with numeric columns (`bench.plain_streams`), table | "
  f"{int(info.get('size_plain_table', 0)):,} ({mib(info.get('size_plain_table', 0))}) | "
  f"{int(info.get('size_plain_table', 0)) / n:,.0f} |")
w(f"| … its row (`avg(pg_column_size(row))`) | {info.get('size_plain_row_avg')} | |")
w(f"| … its rate, balance, snapshot debt, snapshot time, decimals, voided, last op columns | "
  f"{info.get('size_plain_numerics_avg')} | |")
w("")

ev_n = int(info.get("size_events_rows", 0))
w("The history grows with the operations, not the streams; these events are the create and deposit")
w("events of the load plus those of every write benchmark:")
w("")
w("| | bytes | per event |")
w("|---|---:|---:|")
w(f"| an event row (`avg(pg_column_size(row))`) | {info.get('size_event_row_avg')} | |")
for k, label in (("table", "table"), ("indexes", "indexes"), ("total", "table + indexes + TOAST")):
    v = int(info.get(f"size_events_{k}", 0))
    w(f"| `flowstream.events` {label} ({ev_n:,} rows) | {v:,} ({mib(v)}) | {v / max(ev_n, 1):,.0f} |")
w("")

# --------------------------------------------------------------------------
w("## Loading and verifying")
w("")
w("Loading through `create_stream()` one call at a time is slow, so the harness loads with a")
w("benchmark-only fast path (`bench.load_streams` in `bench/schema.sql`): with the guard triggers")
w("disabled, it inserts the create and deposit events and the stream rows with `generate_series`,")
w("each row's state its last event's, then requires `flowstream.verify()` to report nothing, which")
w("proves the load is what the API would have written.")
w("")
w("| step | time |")
w("|---|---:|")
w(f"| fast load of {int(info.get('n_write', 100000)):,} streams | {float(info.get('load_write_s', 0)):.1f} s |")
w(f"| fast load of {int(info.get('load_big_n', 0)):,} more streams | {float(info.get('load_big_s', 0)):.1f} s |")
w(f"| `verify()` after the write benchmarks ({int(info.get('sweeper_rows_small', 0)):,} streams, "
  f"{int(info.get('events_after_writes', 0)):,} events), 0 problems | {float(info.get('verify_after_writes_s', 0)):.1f} s |")
w(f"| `verify()` of {int(info.get('sweeper_rows_big', 0)):,} streams ({int(info.get('events_total', 0)):,} events), "
  f"0 problems | {float(info.get('verify_big_s', 0)):.1f} s |")
w("")

md_path.write_text("\n".join(out) + "\n")

with open(dat_path, "w") as f:
    f.write("# clients flowstream_async baseline_async flowstream_flushed baseline_flushed quiet_async\n")
    for c in sorted({k[1] for k in writes if k[0] == "async"}):
        vals = [med(writes.get((mode, c, side), [float("nan")]))
                for mode in ("async", "flushed") for side in ("flowstream", "baseline")]
        vals.append(med(writes.get(("async", c, "quiet"), [float("nan")])))
        f.write(f"{c} " + " ".join(f"{v:.1f}" for v in vals) + "\n")
