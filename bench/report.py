#!/usr/bin/env python3
"""Turn bench/run.sh's results.csv into the markdown of bench/RESULTS.md.

Rows: config,round,workload,metric,value.  Throughput is compared by
median and min-max; per-statement latency by the difference to `bare`
in the same round (paired), whose median is reported next to the A/A
difference (bare2 - bare), the noise floor of this machine.
"""
import argparse
import collections
import csv
import datetime
import os
import platform
import statistics
import subprocess

CONFIGS = ["bare", "bare2", "safe_ddl", "pgaudit", "evtrig"]


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(["/usr/lib/postgresql/15/bin/postgres", "--version"],
                        capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}, {pg}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    for opt in ["command", "rounds", "seconds", "clients", "scale", "storm", "logsize", "shmem", "memory", "ddlrows"]:
        ap.add_argument("--" + opt, default="")
    a = ap.parse_args()

    data = collections.defaultdict(dict)  # (config, workload, metric) -> {round: value}
    for config, rnd, workload, metric, value in csv.reader(open(a.csv)):
        if value:
            data[(config, workload, metric)][int(rnd)] = float(value)

    out = []
    p = out.append
    p("# safe_ddl benchmark results\n")
    p(f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    p(f"- machine: {machine()}")
    p(f"- command: `{a.command}`")
    p(f"- {a.rounds} rounds, configurations interleaved in every round, the order rotated from round to round; "
      f"{a.seconds} s per pgbench run, {a.clients} clients; pgbench scale {a.scale}; "
      "every cluster with PostgreSQL's defaults (fsync on)\n")

    p("## Throughput (tps): median, min-max, ratio to bare\n")
    p("| workload | " + " | ".join(CONFIGS) + " |")
    p("|---|" + "---|" * len(CONFIGS))
    for workload in ["tpcb", "select", "ddl"]:
        base = data.get(("bare", workload, "tps"), {})
        if not base:
            continue
        bmed = statistics.median(base.values())
        cells = []
        for c in CONFIGS:
            v = list(data.get((c, workload, "tps"), {}).values())
            if not v:
                cells.append("-")
                continue
            med = statistics.median(v)
            cells.append(f"{med:.0f} ({min(v):.0f}-{max(v):.0f}) x{med / bmed:.3f}")
        p(f"| {workload} | " + " | ".join(cells) + " |")

    p("\n## Added latency per statement (us), paired round by round with bare\n")
    p("Median over rounds of (config - bare) in the same round; `bare` is the "
      "median latency itself. `A/A noise` is the largest |bare2 - bare| of any "
      "round.\n")
    p("| workload | statement | bare (us) | bare2 - bare | A/A noise | safe_ddl | pgaudit | evtrig |")
    p("|---|---|---|---|---|---|---|---|")
    verdicts = []
    statements = sorted({(w, m) for (c, w, m) in data
                         if c == "bare" and w in ("tpcb", "ddl") and m != "tps"},
                        key=lambda k: (k[0], list(data[("bare",) + k].keys())[0]))
    order = {"tpcb": 0, "ddl": 1}
    for workload, metric in sorted(statements, key=lambda k: order[k[0]]):
        base = data[("bare", workload, metric)]
        if workload == "tpcb" and not metric.startswith(("BEGIN", "END")):
            continue
        row = [workload, metric.replace(";", ",").replace(":client_id", "N").replace("|", "/"),
               f"{statistics.median(base.values()) * 1000:.0f}"]
        deltas = {}
        for c in ["bare2", "safe_ddl", "pgaudit", "evtrig"]:
            v = data.get((c, workload, metric), {})
            d = [(v[r] - base[r]) * 1000 for r in base if r in v]
            deltas[c] = d
        noise = max((abs(x) for x in deltas["bare2"]), default=0)
        for c in ["bare2"]:
            row.append(f"{statistics.median(deltas[c]):+.0f}" if deltas[c] else "-")
        row.append(f"{noise:.0f}")
        for c in ["safe_ddl", "pgaudit", "evtrig"]:
            row.append(f"{statistics.median(deltas[c]):+.0f}" if deltas[c] else "-")
        p("| " + " | ".join(row) + " |")
        if deltas["safe_ddl"]:
            sd = statistics.median(deltas["safe_ddl"])
            verdicts.append((workload, metric, sd, noise))

    # Each audit's own cost, in its own cluster: one pgbench run mixing, at
    # random transaction by transaction, the ddl script with the audit on,
    # with it off, and with it off again (A/A), so that the differences
    # between clusters, and between moments, drop out.
    audits = ["safe_ddl", "pgaudit", "evtrig"]
    own = {}  # (audit, metric) -> (on - off per round, A/A per round, off mean)
    for audit in audits:
        for (c, workload, metric), on in data.items():
            if c != audit + "_on" or workload != "ddl-own":
                continue
            off = data.get((audit + "_off", workload, metric), {})
            twin = data.get((audit + "_off_twin", workload, metric), {})
            d = [(on[r] - off[r]) * 1000 for r in on if r in off]
            aa = [(twin[r] - off[r]) * 1000 for r in twin if r in off]
            if d:
                own[(audit, metric)] = (d, aa, statistics.median(off.values()) * 1000)
    if own:
        p("\n### Each audit's own cost, measured in its own cluster\n")
        p("One pgbench run per round and per audit, in that audit's cluster (2 clients, one and a half "
          "times as long as the runs above), whose clients pick at random, transaction by transaction, the "
          "`ddl` script with the audit on, the same script with the audit off for the session, or "
          "the off script again: its A/A twin. Off is `safe_ddl.mode = off` and `safe_ddl.audit = "
          "off` (the library loaded, its hook on the fast path); for the event triggers, "
          "`session_replication_role = replica` (event triggers enabled the default way do not "
          "fire then); for pgaudit, `pgaudit.log = 'none'` and `replica` (its DDL audit runs in event "
          "triggers of its own). Both sides of every difference share the disk, the checkpoints "
          "and the moment. Per statement: the median over rounds of (on - off) in microseconds, "
          "its min-max, and the largest |off again - off| of a round (A/A), the noise floor of "
          "this measure. `off` is safe_ddl's cluster's mean latency with safe_ddl off.\n")
        p("| statement | off (us) | safe_ddl | A/A | pgaudit | A/A | evtrig | A/A |")
        p("|---|---|---|---|---|---|---|---|")
        metrics = sorted({m for (au, m) in own if au == "safe_ddl"},
                         key=lambda m: list(data[("safe_ddl_on", "ddl-own", m)].keys())[0])
        for metric in metrics:
            row = [metric.replace(";", ",").replace(":client_id", "N"),
                   f"{own[('safe_ddl', metric)][2]:.0f}"]
            for audit in audits:
                if (audit, metric) not in own:
                    row += ["-", "-"]
                    continue
                d, aa, _ = own[(audit, metric)]
                row.append(f"{statistics.median(d):+.0f} ({min(d):+.0f} .. {max(d):+.0f})")
                row.append(f"{max(abs(x) for x in aa):.0f}" if aa else "-")
            p("| " + " | ".join(row) + " |")
        for metric in metrics:
            if metric.startswith(("ALTER", "COMMENT", "DROP")):
                peers = {au: statistics.median(own[(au, metric)][0])
                         for au in audits if (au, metric) in own}
                verdicts.append(("own", metric, peers, None))
            elif metric.startswith("CREATE"):
                d, aa, _ = own[("safe_ddl", metric)]
                verdicts.append(("own-noise", metric, statistics.median(d),
                                 max((abs(x) for x in aa), default=0)))

    if a.ddlrows:
        p(f"\nUnder safe_ddl every DDL statement of the `ddl` workload left its `ok` row: "
          f"{a.ddlrows} rows in `safe_ddl.audit_log` after all rounds.")

    p("\n## Against the targets\n")
    for workload, metric, sd, noise in verdicts:
        name = metric.split()[0] + (" " + metric.split()[1] if len(metric.split()) > 1 else "")
        if workload == "own":
            own_sd = sd["safe_ddl"]
            peers = ", ".join(f"{au} {v:+.0f} us" for au, v in sd.items() if au != "safe_ddl")
            ok = own_sd <= 30
            p(f"- {name}, in one cluster: safe_ddl adds {own_sd:+.0f} us (target: at most +30 us): "
              f"{'met' if ok else 'MISSED'}; the same measure for the peers: {peers}")
        elif workload == "own-noise":
            ok = sd <= noise
            p(f"- {name}, in one cluster: safe_ddl {sd:+.0f} us, A/A noise {noise:.0f} us "
              f"(target: nothing added beyond the noise): {'met' if ok else 'MISSED'}")
        elif metric.startswith(("ALTER", "COMMENT", "DROP")):
            if sd <= 30:
                verdict = "met"
            elif sd <= noise:
                verdict = (f"not resolved between clusters: within their A/A noise of {noise:.0f} us "
                           "(see the same statement in one cluster)")
            else:
                verdict = "MISSED"
            p(f"- {name}, against bare: safe_ddl adds {sd:+.0f} us (target: at most +30 us): {verdict}")
        else:
            ok = sd <= noise
            p(f"- {name}: safe_ddl {sd:+.0f} us, A/A noise {noise:.0f} us (target: nothing added beyond the noise): {'met' if ok else 'MISSED'}")
    # Throughput, paired round by round: each configuration's tps over bare's
    # in the same round.  The A/A noise is the largest |bare2 / bare - 1|.
    for workload in ["tpcb", "select", "ddl"]:
        base = data.get(("bare", workload, "tps"), {})
        twin = data.get(("bare2", workload, "tps"), {})
        sd = data.get(("safe_ddl", workload, "tps"), {})
        if not (base and twin and sd):
            continue
        aa = max(abs(twin[r] / base[r] - 1) for r in base if r in twin)
        ratios = [sd[r] / base[r] for r in base if r in sd]
        med = statistics.median(ratios)
        verdict = "met" if abs(med - 1) <= aa else "MISSED"
        if workload == "ddl":
            verdict = "for information (each statement pays its audit row)"
        p(f"- {workload} throughput: safe_ddl / bare paired by round: median x{med:.3f} "
          f"(rounds {min(ratios):.3f}-{max(ratios):.3f}); A/A noise "
          f"(largest |bare2 / bare - 1| of a round) {aa * 100:.1f} % (target: within the A/A noise): {verdict}")

    p("\n## Refusal storm\n")
    p("The `ddl` workload's five statements with no timeout set, run by psql from a file: "
      "wall time per statement, median (min-max) over rounds. Under safe_ddl each one is "
      "refused and its `refused` row handed to the writer; on bare the same statements run.\n")
    for c, metric in [("safe_ddl", "refused: no timeout (us/stmt)"), ("bare", "run: no policy (us/stmt)")]:
        v = list(data.get((c, "storm", metric), {}).values())
        if v:
            p(f"- {c}, {metric}: {statistics.median(v):.0f} ({min(v):.0f}-{max(v):.0f})")
    p(f"- {a.storm}")

    p("\n## A large log\n")
    p(f"- {a.logsize}")
    p("Planning + execution time (EXPLAIN ANALYZE) of each query, on an object no earlier query "
      "touched, in a session that has just run the same kind of query on another object: the "
      "catalog is warm, the query's data is not.\n")
    for metric in ["recent_changes LIMIT 50 (ms)", "by-object lookup: object_history LIMIT 50 (ms)",
                   "by-object with the GIN index alone: @> ORDER BY id DESC LIMIT 50 (ms)",
                   "last 24 hours by time (ms)"]:
        v = list(data.get(("safe_ddl", "log-size", metric), {}).values())
        if v:
            p(f"- {metric}: median {statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})")
            if metric.startswith(("recent_changes", "by-object lookup")):
                met = statistics.median(v) < 10
                p(f"  - target: under 10 ms: {'met' if met else 'MISSED'}")

    p("\n## Memory\n")
    p(f"- shared memory taken by safe_ddl: {a.shmem}")
    p(f"- one backend's private memory (sum of pg_backend_memory_contexts) after N DDL statements: {a.memory}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
