"""report.py - turn bench/run.sh's raw lines into the results tables.

Reads the raw file (RUN / EBENCH / RTT / FACT lines written by run.sh),
prints a markdown report and writes the same text to OUT.md, and the CPU-
per-comment table with the targets to OUT.json. The report ends with the
CPU-per-comment table: modq's and Redis' CPU per comment at 64 connections
(median over the 64-connection main runs), the floor's parts (the
baseline's CPU per request from the same runs, the engine alone on the
captured bench mix, the client side of one round trip to Redis, median of
the rtt_bench runs), the floor (their sum) and modq / floor as its last
lines; above it, the same load (over 3 sites) against one primary and
against a 3-primary Redis Cluster, run alternately: req/s and modq's and
Redis' CPU per comment for both. The 64-connection req/s and latencies
are those of the median run by req/s; every ratio compares figures from
the same bench run.
Standard library only. Usage: report.py RAW OUT.md OUT.json
(run.sh also calls "report.py --median-rps RAW SERVER": the median req/s of
that server's 64-connection main runs.)
"""
import json
import sys

CONNS = (16, 64, 256, 1024)
# The targets make bench checks (docs/performance.md, "Targets").
TARGET_FLOOR_RATIO = 1.3     # modq CPU per comment over its floor
TARGET_REDIS_US = 45.0       # Redis CPU per comment
TARGET_REDIS_MEM_B = 1800    # Redis memory per stored comment
TARGET_P99_MS_64 = 5.0
TARGET_RSS_MB_256 = 64
TARGET_SCALE_COST = 1.1      # CPU per comment (modq + Redis), stored / empty
TARGET_ENGINE_1KB = 20000
TARGET_ARTICLES_COST = 1.1   # engine, 10,000 distinct articles over 4
TARGET_LENGTH_COST = 70.0    # engine time of a 64-KB comment over a 1-KB one


ENGINE_LABELS = {
    "1KB": "1 KB comment, article context",
    "8KB": "8 KB comment, article context",
    "64KB": "64 KB comment, article context",
    "1KB+thread50-same": "1 KB + a thread of 50 texts, always the same (cache hits)",
    "1KB+thread50-1new": "1 KB + a thread of 50, one new text per comment",
    "1KB+4x50-1new": "1 KB + 4 articles' threads of 50 in turn, one new text per comment "
                     "(bench/run.sh's mix)",
    "1KB+4articles": "1 KB, comments rotating over 4 articles (no thread)",
    "1KB+10000articles": "1 KB, comments rotating over 10,000 articles (no thread)",
    "mix": "the bench mix itself (bench/comments.lua bodies captured by the baseline; "
           "article context, nothing from Redis)",
}


def kv(fields):
    out = {}
    for f in fields:
        k, _, v = f.partition("=")
        out[k] = v
    return out


def num(v, default=0.0):
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def parse(path):
    runs, engine, facts, rtt = [], {}, {}, []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            tag, _, rest = line.partition(" ")
            if tag == "RUN":
                r = kv(rest.split())
                for k in ("conns", "requests", "non2xx", "connect", "read", "write", "timeout"):
                    r[k] = int(num(r.get(k)))
                for k in ("rps", "p50_us", "p99_us", "max_us"):
                    r[k] = num(r.get(k))
                for k in ("srv_cpu_ms", "redis_cpu_ms"):
                    r[k] = num(r[k]) if k in r else None
                r["sock"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
                runs.append(r)
            elif tag == "EBENCH":
                e = kv(rest.split())
                if "linearity" in e:
                    engine["linearity"] = num(e["linearity"])
                elif "articles_ratio" in e:
                    engine["articles_ratio"] = num(e["articles_ratio"])
                else:
                    engine[e["case"]] = e
            elif tag == "RTT":
                rtt.append(num(kv(rest.split()).get("us"), None))
            elif tag == "FACT":
                k, _, v = rest.partition("=")
                facts[k] = v
    return runs, engine, facts, [x for x in rtt if x is not None]


def median(xs):
    """The median of a list of numbers (mean of the middle two), or None."""
    s = sorted(xs)
    if not s:
        return None
    h = len(s) // 2
    return s[h] if len(s) % 2 else (s[h - 1] + s[h]) / 2.0


def per_req_us(r, key):
    """CPU microseconds per answered request, or None."""
    if not r or r.get(key) is None or r["requests"] <= 0:
        return None
    return r[key] * 1000.0 / r["requests"]


def cpu_table(runs, engine, rtt):
    """The CPU-per-comment figures: a dict (None where a part is missing)."""
    r64 = {server: [r for r in runs if r.get("label") == "main" and r["conns"] == 64
                    and r["server"] == server] for server in ("modq", "baseline")}

    def med(server, key):
        return median([x for x in (per_req_us(r, key) for r in r64[server]) if x is not None])

    mix = engine.get("mix")
    t = {
        "conns": 64,
        "runs": {s: len(r64[s]) for s in r64},
        "modq_us": med("modq", "srv_cpu_ms"),
        "redis_us": med("modq", "redis_cpu_ms"),
        "modq_us_runs": [per_req_us(r, "srv_cpu_ms") for r in r64["modq"]],
        "redis_us_runs": [per_req_us(r, "redis_cpu_ms") for r in r64["modq"]],
        "baseline_us": med("baseline", "srv_cpu_ms"),
        "baseline_us_runs": [per_req_us(r, "srv_cpu_ms") for r in r64["baseline"]],
        "engine_us": num(mix["us"]) if mix else None,
        "engine_mix_bytes": int(num(mix["bytes"])) if mix else None,
        "rtt_us": median(rtt),
        "rtt_us_runs": rtt,
    }
    parts = (t["baseline_us"], t["engine_us"], t["rtt_us"])
    t["floor_us"] = sum(parts) if None not in parts else None
    t["modq_over_floor"] = (t["modq_us"] / t["floor_us"]
                            if t["floor_us"] and t["modq_us"] is not None else None)
    return {k: rounded(v) for k, v in t.items()}


def cluster_table(runs):
    """The "sites3" runs: one primary ("modq") and the 3-primary cluster
    ("cluster") under the same load, alternately. {name: figures} (None
    when the bench had no such runs)."""
    out = {}
    for name in ("modq", "cluster"):
        rs = [r for r in runs if r.get("label") == "sites3" and r["server"] == name]
        if not rs:
            return None
        m = median_run(rs)
        out[name] = {
            "runs": len(rs),
            "rps": m["rps"], "rps_runs": [r["rps"] for r in rs],
            "p50_us": m["p50_us"], "p99_us": m["p99_us"],
            "non2xx": sum(r["non2xx"] for r in rs), "sock": sum(r["sock"] for r in rs),
            "modq_us": median([x for x in (per_req_us(r, "srv_cpu_ms") for r in rs)
                               if x is not None]),
            "redis_us": median([x for x in (per_req_us(r, "redis_cpu_ms") for r in rs)
                                if x is not None]),
        }
    out["rps_ratio"] = (out["cluster"]["rps"] / out["modq"]["rps"]
                        if out["modq"]["rps"] > 0 else None)
    return rounded(out)


def rounded(v):
    """v with every float rounded to 3 decimals (lists too)."""
    if isinstance(v, float):
        return round(v, 3)
    if isinstance(v, list):
        return [rounded(x) for x in v]
    if isinstance(v, dict):
        return {k: rounded(x) for k, x in v.items()}
    return v


def fmt(x, spec="%.1f"):
    return "-" if x is None else spec % x


def median_run(rs):
    """The run with the median req/s (lower middle for an even count)."""
    if not rs:
        return None
    s = sorted(rs, key=lambda r: r["rps"])
    return s[(len(s) - 1) // 2]


def ms(us):
    return "%.1f" % (us / 1000.0) if us < 100000 else "%.0f" % (us / 1000.0)


def cpu_us(r, key):
    """CPU microseconds per answered request, or "-"."""
    if not r or r.get(key) is None or r["requests"] <= 0:
        return "-"
    return "%.0f" % (r[key] * 1000.0 / r["requests"])


def ok(flag):
    return "yes" if flag else "**NO**"


def main():
    if sys.argv[1] == "--median-rps":
        runs, _, _, _ = parse(sys.argv[2])
        r = median_run([r for r in runs if r["server"] == sys.argv[3] and r["conns"] == 64
                        and r.get("label") == "main"])
        print(r["rps"] if r else 0)
        return
    raw, out_path, json_path = sys.argv[1], sys.argv[2], sys.argv[3]
    runs, engine, facts, rtt = parse(raw)
    cput = cpu_table(runs, engine, rtt)
    clt = cluster_table(runs)
    L = []
    threads = facts.get("threads", "?")
    L.append("# modq benchmark results")
    L.append("")
    L.append("Date: %s%s." % (facts.get("date", "?"),
                                " (QUICK=1: a short run)" if facts.get("quick") == "1" else ""))
    L.append("Machine: %s cores (%s), %s MB RAM, load average at the end %s; git %s."
             % (facts.get("machine_nproc", "?"), facts.get("machine_cpu", "?"),
                facts.get("machine_mem_mb", "?"), facts.get("machine_load", "?"),
                facts.get("git", "?")))
    probe = ["%s threads %.0f req/s" % (t, num(facts["probe_threads_%s" % t]))
             for t in ("2", "4") if "probe_threads_%s" % t in facts]
    L.append("Worker threads: %s%s. wrk 2 threads, keep-alive, bench/comments.lua, "
             "timeout 5 s; load generator, Redis and servers share the machine."
             % (threads, " (probe at 64 connections: %s)" % ", ".join(probe) if probe else ""))
    L.append("")

    # ---- HTTP table
    L.append("## modq vs baseline (libmicrohttpd + modq's JSON codec only)")
    L.append("")
    L.append("| conns | server | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors "
             "(of which timeouts) | modq/baseline | CPU us/req server (+ Redis) |")
    L.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    main_runs = [r for r in runs if r.get("label") == "main"]
    picked = {}
    for c in CONNS:
        for server in ("baseline", "modq"):
            rs = [r for r in main_runs if r["server"] == server and r["conns"] == c]
            picked[(server, c)] = median_run(rs)
        b, m = picked[("baseline", c)], picked[("modq", c)]
        ratio = "%.3f" % (m["rps"] / b["rps"]) if b and m and b["rps"] > 0 else "-"
        for server, r in (("baseline", b), ("modq", m)):
            if not r:
                continue
            name = server
            n = len([x for x in main_runs if x["server"] == server and x["conns"] == c])
            if n > 1:
                name += " (median of %d)" % n
            cpu = cpu_us(r, "srv_cpu_ms")
            if r.get("redis_cpu_ms") is not None:
                cpu += " (+%s)" % cpu_us(r, "redis_cpu_ms")
            L.append("| %d | %s | %.0f | %s | %s | %s | %d | %d (%d) | %s | %s |"
                     % (c, name, r["rps"], ms(r["p50_us"]), ms(r["p99_us"]), ms(r["max_us"]),
                        r["non2xx"], r["sock"], r["timeout"], ratio if server == "modq" else "",
                        cpu))
    for server in ("baseline", "modq"):
        rs = [r for r in main_runs if r["server"] == server and r["conns"] == 64]
        if len(rs) > 1:
            L.append("")
            L.append("64-connection runs, %s: %s req/s." % (
                server, ", ".join("%.0f" % r["rps"] for r in rs)))
    L.append("")
    L.append("CPU us/req: CPU time (user + system, /proc) the server and its Redis used "
             "during the run, per answered request; unlike req/s it hardly depends on what "
             "else the shared machine runs. 1e6 / (server + Redis) is the req/s one core "
             "could sustain.")
    L.append("")
    L.append("Latencies are wrk's, per request on keep-alive connections. wrk counts a "
             "timeout for every request still unanswered after 5 s at each of its 2-s checks, "
             "and for every answer slower than 5 s, which it leaves out of the latencies: "
             "timeouts mean 'too slow', the no-stall check below tells slow from stuck.")
    L.append("")

    # ---- below saturation
    half = {r["server"]: r for r in runs if r.get("label") == "half"}
    if half:
        L.append("## Latency below saturation (64 conns, each pausing between requests)")
        L.append("")
        L.append("| server | mean pause per connection, ms | req/s | p50 ms | p99 ms | max ms | "
                 "non-2xx | socket errors | CPU us/req server (+ Redis) |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for server in ("baseline", "modq"):
            r = half.get(server)
            if not r:
                continue
            cpu = cpu_us(r, "srv_cpu_ms")
            if r.get("redis_cpu_ms") is not None:
                cpu += " (+%s)" % cpu_us(r, "redis_cpu_ms")
            L.append("| %s | %s | %.0f | %s | %s | %s | %d | %d | %s |"
                     % (server, r.get("pause_ms", "?"), r["rps"], ms(r["p50_us"]),
                        ms(r["p99_us"]), ms(r["max_us"]), r["non2xx"], r["sock"], cpu))
        L.append("")
        L.append("The pause offers about half the throughput the server reached at 64 "
                 "connections above. At saturation every wrk connection queues behind the "
                 "others, so latency there is 64 / throughput; here it is the service time.")
        L.append("")

    # ---- scale
    L.append("## Scale")
    L.append("")
    L.append("| check | figure |")
    L.append("|---|---|")
    empty = median_run([r for r in runs if r.get("label") == "empty"])
    loaded = median_run([r for r in runs if r.get("label") == "loaded"])
    nempty = len([r for r in runs if r.get("label") == "empty"])
    scale_cost = None  # CPU per comment (modq + Redis), stored / empty
    if empty:
        L.append("| modq, 64 conns, empty Redis (median of %d) | %.0f req/s, p99 %s ms; CPU "
                 "%s us/req (+%s Redis) |" % (nempty, empty["rps"], ms(empty["p99_us"]),
                                              cpu_us(empty, "srv_cpu_ms"),
                                              cpu_us(empty, "redis_cpu_ms")))
    if loaded:
        L.append("| modq, 64 conns, %s comments' duplicate keys stored (%s keys; median of %d) "
                 "| %.0f req/s, p99 %s ms; CPU %s us/req (+%s Redis) |"
                 % (facts.get("preload_comments", "?"), facts.get("preload_keys", "?"),
                    len([r for r in runs if r.get("label") == "loaded"]), loaded["rps"],
                    ms(loaded["p99_us"]), cpu_us(loaded, "srv_cpu_ms"),
                    cpu_us(loaded, "redis_cpu_ms")))
        if empty and empty["rps"] > 0:
            L.append("| req/s, stored / empty | %.3f |" % (loaded["rps"] / empty["rps"]))
        cost = [(per_req_us(r, "srv_cpu_ms") or 0) + (per_req_us(r, "redis_cpu_ms") or 0)
                for r in (empty, loaded) if r]
        if len(cost) == 2 and cost[0] > 0:
            scale_cost = cost[1] / cost[0]
            L.append("| CPU per comment (modq + Redis), stored / empty | %.3f |" % scale_cost)
        per_call = {}
        for k, v in facts.items():
            for which in ("empty", "loaded"):
                pre = "redis_%s_cmd_" % which
                if k.startswith(pre):
                    calls, _, usec = v.partition(",")
                    if num(calls) > 0:
                        per_call.setdefault(k[len(pre):], {})[which] = (
                            num(usec) / num(calls), num(usec))
        both = [(d["loaded"][1], name, d) for name, d in per_call.items()
                if "empty" in d and "loaded" in d]
        if both:
            both.sort(reverse=True)
            L.append("| Redis us per call, empty -> stored (the 6 costliest commands) | %s |"
                     % "; ".join("%s %.1f -> %.1f" % (name.upper(), d["empty"][0], d["loaded"][0])
                                 for _, name, d in both[:6]))
        L.append("| preload (generate + redis-cli --pipe) | %s s, then %s s until Redis had "
                 "finished the rehash the bulk load started; %s B of Redis memory per "
                 "comment for its duplicate keys alone |"
                 % (facts.get("preload_seconds", "?"), facts.get("preload_rehash_seconds", "?"),
                    facts.get("preload_mem_per_comment", "?")))
    for case, e in engine.items():
        if case in ("linearity", "articles_ratio"):
            continue
        label = ENGINE_LABELS.get(case, case)
        L.append("| engine, one core: %s | %.0f comments/s, %.1f us each, %.1f ns/byte "
                 "(prepare %s%%) |" % (label, num(e["per_s"]), num(e["us"]),
                                      num(e["ns_per_byte"]), e["prepare_pct"]))
    if "linearity" in engine:
        L.append("| engine ns/byte 64 KB : 1 KB | %.2f (1.00 = linear) |" % engine["linearity"])
    if "articles_ratio" in engine:
        L.append("| engine, 1 KB over 10,000 articles : over 4 (cost per comment) | %.2f |"
                 % engine["articles_ratio"])
    rss256 = num(facts.get("rss_kb_modq_256")) / 1024

    def rss_mb(key):
        return "%.1f MB" % (num(facts[key]) / 1024) if key in facts else "-"

    L.append("| modq peak RSS (VmHWM) after 256 / 1,024 conns | %s / %s (baseline %s / %s) |"
             % (rss_mb("rss_kb_modq_256"), rss_mb("rss_kb_modq_1024"),
                rss_mb("rss_kb_baseline_256"), rss_mb("rss_kb_baseline_1024")))
    ncom = int(num(facts.get("redis_comments")))
    if ncom:
        per = (num(facts.get("redis_mem_after")) - num(facts.get("redis_mem_before"))) / ncom
        extra = []
        if "redis_record_sample_bytes" in facts:
            extra.append("a record key %s B" % facts["redis_record_sample_bytes"])
        if "redis_band_key_sample_bytes" in facts:
            extra.append("one of 8 band keys %s B" % facts["redis_band_key_sample_bytes"])
        L.append("| Redis memory per stored comment (used_memory delta / %d comments) | "
                 "%.0f B%s |" % (ncom, per, " (sample: %s)" % ", ".join(extra) if extra else ""))
    verdicts = {k[len("verdict_"):]: int(num(v)) for k, v in facts.items()
                if k.startswith("verdict_")}
    if sum(verdicts.values()):
        tot = sum(verdicts.values())
        L.append("| verdicts of the mix (modq /metrics) | %s |" % ", ".join(
            "%s %.0f%%" % (k, 100.0 * v / tot) for k, v in sorted(verdicts.items())))
    for server in ("modq", "baseline"):
        st = kv(facts.get("stall_" + server, "").split())
        if st:
            L.append("| no-stall check, %s: %s keep-alive conns x %s rounds, all sending at once "
                     "| %s of %s answered 2xx (non-2xx %s, no answer %s); rounds took %s s |"
                     % (server, st.get("conns", "?"), st.get("rounds", "?"), st.get("ok", "?"),
                        int(num(st.get("conns"))) * int(num(st.get("rounds"))),
                        st.get("non2xx", "?"), st.get("failed", "?"), st.get("rounds_s", "?")))
    cmds = []
    for k, v in facts.items():
        if k.startswith("redis_cmd_"):
            calls, _, usec = v.partition(",")
            cmds.append((int(num(usec)), int(num(calls)), k[len("redis_cmd_"):]))
    nreq = sum(r["requests"] for r in main_runs if r["server"] == "modq")
    if cmds and nreq:
        cmds.sort(reverse=True)
        L.append("| Redis commands per modq request, main runs (calls, us of Redis time; "
                 "EXEC includes the commands of its transaction, which are also counted on their "
                 "own; requests still in flight when wrk stops add a few %%) | %s |"
                 % "; ".join("%s %.2f x, %.0f us" % (name.upper(), calls / nreq, usec / nreq)
                             for usec, calls, name in cmds[:8]))
    L.append("| warn/error lines in modq's log | %s%s |"
             % (facts.get("modq_log_warnings", "?"),
                " (first: %s)" % facts["modq_log_first_warning"].replace("|", "/")
                if facts.get("modq_log_first_warning") else ""))
    L.append("")

    # ---- one primary and a cluster
    if clt:
        L.append("## One primary and a 3-primary Redis Cluster (the same load, 64 conns)")
        L.append("")
        L.append("| Redis | req/s | p50 ms | p99 ms | non-2xx | socket errors | modq CPU us per "
                 "comment | Redis CPU us per comment (every node) |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, label in (("modq", "one primary"), ("cluster", "Redis Cluster, 3 primaries")):
            c = clt[name]
            L.append("| %s (median of %d: %s req/s) | %.0f | %s | %s | %d | %d | %s | %s |"
                     % (label, c["runs"], ", ".join("%.0f" % x for x in c["rps_runs"]), c["rps"],
                        ms(c["p50_us"]), ms(c["p99_us"]), c["non2xx"], c["sock"],
                        fmt(c["modq_us"]), fmt(c["redis_us"])))
        L.append("")
        keys = ", ".join("%s" % v for k, v in sorted(facts.items())
                         if k.startswith("cluster_keys_"))
        L.append("bench/comments.lua over 3 sites (%s), whose {site} hash slots sit on the 3 "
                 "primaries, alternately against the single primary's modq and a modq with "
                 "redis_cluster (its own 3-node cluster on loopback, no replicas, no "
                 "persistence): req/s cluster / one primary %s; keys per primary at the end %s; "
                 "redirects followed %s, comments spooled %s."
                 % (facts.get("cluster_sites", "?"), fmt(clt["rps_ratio"], "%.3f"), keys or "?",
                    facts.get("cluster_redirects", "?"), facts.get("cluster_spooled", "?")))
        L.append("")

    # ---- targets
    L.append("## Targets")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")
    targets = []

    def target(name, measured, met):
        targets.append({"target": name, "measured": measured, "met": bool(met)})
        L.append("| %s | %s | %s |" % (name, measured, ok(met)))

    if cput["modq_over_floor"] is not None:
        target("modq CPU per comment <= %.1f x its floor (64 conns)" % TARGET_FLOOR_RATIO,
               "%.2f" % cput["modq_over_floor"], cput["modq_over_floor"] <= TARGET_FLOOR_RATIO)
    if cput["redis_us"] is not None:
        target("Redis CPU per comment <= %.0f us (64 conns)" % TARGET_REDIS_US,
               "%.1f us" % cput["redis_us"], cput["redis_us"] <= TARGET_REDIS_US)
    if ncom:
        target("Redis memory per stored comment <= %d B" % TARGET_REDIS_MEM_B, "%.0f B" % per,
               per <= TARGET_REDIS_MEM_B)
    mh = half.get("modq")
    if mh:
        p99 = mh["p99_us"] / 1000.0
        target("modq p99 <= %.0f ms at 64 conns, half load (paced)" % TARGET_P99_MS_64,
               "%.1f ms" % p99, p99 <= TARGET_P99_MS_64)
    if scale_cost is not None:
        target("%s stored comments cost <= %.1f x empty (CPU per comment, modq + Redis)"
               % (facts.get("preload_comments", "?"), TARGET_SCALE_COST),
               "%.3f" % scale_cost, scale_cost <= TARGET_SCALE_COST)
    if rss256:
        target("modq RSS <= %d MB at 256 conns" % TARGET_RSS_MB_256, "%.1f MB" % rss256,
               rss256 <= TARGET_RSS_MB_256)
    e1, e64 = engine.get("1KB"), engine.get("64KB")
    if e1:
        target("engine >= %d 1-KB comments/s/core" % TARGET_ENGINE_1KB,
               "%.0f" % num(e1["per_s"]), num(e1["per_s"]) >= TARGET_ENGINE_1KB)
    if "articles_ratio" in engine:
        ar = engine["articles_ratio"]
        target("engine: 10,000 distinct articles cost <= %.1f x 4 (per comment)"
               % TARGET_ARTICLES_COST, "%.2f x" % ar, ar <= TARGET_ARTICLES_COST)
    if e1 and e64 and num(e1["us"]) > 0:
        cost = num(e64["us"]) / num(e1["us"])
        target("engine: a 64-KB comment costs <= %.0f x a 1-KB one (linear)" % TARGET_LENGTH_COST,
               "%.1f x" % cost, cost <= TARGET_LENGTH_COST)
    st = kv(facts.get("stall_modq", "").split())
    if st:
        target("modq answers every one of 1,024 keep-alive conns (no stall)",
               "%s of %d" % (st.get("ok", "?"), int(num(st.get("conns"))) * int(num(st.get("rounds")))),
               st.get("verdict") == "pass")
    L.append("")

    # ---- CPU per comment: last, so that the floor and the ratio end the output
    L.append("## CPU per comment (64 conns; the floor and modq / floor)")
    L.append("")
    L.append("| figure | us per comment | taken from |")
    L.append("|---|---:|---|")

    def runs_of(key):
        xs = [x for x in cput[key] if x is not None]
        return ", ".join("%.1f" % x for x in xs) if xs else "-"

    L.append("| modq | %s | utime + stime from /proc over each run / answered requests; median "
             "of %d runs (%s) |" % (fmt(cput["modq_us"]), cput["runs"]["modq"],
                                    runs_of("modq_us_runs")))
    L.append("| Redis (for modq) | %s | the same for redis-server, same runs (%s) |"
             % (fmt(cput["redis_us"]), runs_of("redis_us_runs")))
    if clt:
        L.append("| modq, the same load over 3 sites: one primary / 3-primary cluster | %s / %s "
                 "| the same, the runs of the cluster section (req/s %.0f / %.0f) |"
                 % (fmt(clt["modq"]["modq_us"]), fmt(clt["cluster"]["modq_us"]),
                    clt["modq"]["rps"], clt["cluster"]["rps"]))
        L.append("| Redis, the same: one primary / the 3 primaries together | %s / %s | the "
                 "same runs |" % (fmt(clt["modq"]["redis_us"]), fmt(clt["cluster"]["redis_us"])))
    L.append("| baseline: libmicrohttpd + modq's JSON codec | %s | the same, baseline server, "
             "interleaved runs (%s) |" % (fmt(cput["baseline_us"]), runs_of("baseline_us_runs")))
    L.append("| engine alone on the bench mix | %s | engine_bench, thread CPU, the captured "
             "comments (mean text %s B), article context |"
             % (fmt(cput["engine_us"]), fmt(cput["engine_mix_bytes"], "%d")))
    L.append("| one round trip to Redis, client side | %s | rtt_bench, thread CPU per PING "
             "exchange; median of %d (%s) |" % (fmt(cput["rtt_us"]), len(rtt), runs_of("rtt_us_runs")))
    L.append("| **floor** = baseline + engine alone + round trip | **%s** | |"
             % fmt(cput["floor_us"]))
    L.append("| **modq / floor** | **%s** | target <= %.1f |"
             % (fmt(cput["modq_over_floor"], "%.2f"), TARGET_FLOOR_RATIO))
    text = "\n".join(L)
    print(text)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    doc = {"date": facts.get("date"), "git": facts.get("git"), "quick": facts.get("quick") == "1",
           "machine": {"nproc": facts.get("machine_nproc"), "cpu": facts.get("machine_cpu"),
                       "mem_mb": facts.get("machine_mem_mb"),
                       "load_at_end": facts.get("machine_load")},
           "threads": facts.get("threads"), "cpu_per_comment": cput, "cluster": clt,
           "targets": targets}
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, default=str)
        f.write("\n")


if __name__ == "__main__":
    main()
