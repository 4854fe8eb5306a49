"""report.py - turn bench/run.sh's raw lines into the results table.

Reads the raw file (RUN / EBENCH / FACT lines written by run.sh), prints a
markdown report and writes the same text to the output path. The 64-
connection figures are the median of the repeated runs (by req/s, with that
run's latencies); every ratio compares figures from the same bench run.
Standard library only. Usage: report.py RAW OUT.md
(run.sh also calls "report.py --median-rps RAW SERVER": the median req/s of
that server's 64-connection main runs.)
"""
import sys

CONNS = (16, 64, 256, 1024)
# The targets make bench checks (docs/performance.md, "Targets").
TARGET_RATIO_64 = 0.5
TARGET_P99_MS_64 = 5.0
TARGET_RSS_MB_256 = 64
TARGET_SCALE_RATIO = 0.9
TARGET_ENGINE_1KB = 20000
TARGET_LINEARITY = 1.5  # ns/byte 64 KB over 1 KB; 1.0 = linear


ENGINE_LABELS = {
    "1KB": "1 KB comment, article context",
    "8KB": "8 KB comment, article context",
    "64KB": "64 KB comment, article context",
    "1KB+thread50-same": "1 KB + a thread of 50 texts, always the same (cache hits)",
    "1KB+thread50-1new": "1 KB + a thread of 50, one new text per comment",
    "1KB+4x50-1new": "1 KB + 4 articles' threads of 50 in turn, one new text per comment "
                     "(bench/run.sh's mix)",
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
    runs, engine, facts = [], {}, {}
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
                else:
                    engine[e["case"]] = e
            elif tag == "FACT":
                k, _, v = rest.partition("=")
                facts[k] = v
    return runs, engine, facts


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
        runs, _, _ = parse(sys.argv[2])
        r = median_run([r for r in runs if r["server"] == sys.argv[3] and r["conns"] == 64
                        and r.get("label") == "main"])
        print(r["rps"] if r else 0)
        return
    raw, out_path = sys.argv[1], sys.argv[2]
    runs, engine, facts = parse(raw)
    L = []
    threads = facts.get("threads", "?")
    L.append("# modq benchmark results")
    L.append("")
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
    scale_ratio = None
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
            scale_ratio = loaded["rps"] / empty["rps"]
            L.append("| ratio stored / empty | %.3f |" % scale_ratio)
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
        if case == "linearity":
            continue
        label = ENGINE_LABELS.get(case, case)
        L.append("| engine, one core: %s | %.0f comments/s, %.1f us each, %.1f ns/byte "
                 "(prepare %s%%) |" % (label, num(e["per_s"]), num(e["us"]),
                                      num(e["ns_per_byte"]), e["prepare_pct"]))
    if "linearity" in engine:
        L.append("| engine ns/byte 64 KB : 1 KB | %.2f (1.00 = linear) |" % engine["linearity"])
    rss256 = num(facts.get("rss_kb_modq_256")) / 1024
    L.append("| modq peak RSS (VmHWM) after 256 / 1,024 conns | %.1f MB / %.1f MB "
             "(baseline %.1f / %.1f MB) |"
             % (rss256, num(facts.get("rss_kb_modq_1024")) / 1024,
                num(facts.get("rss_kb_baseline_256")) / 1024,
                num(facts.get("rss_kb_baseline_1024")) / 1024))
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

    # ---- targets
    L.append("## Targets")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")
    b64, m64 = picked.get(("baseline", 64)), picked.get(("modq", 64))
    if b64 and m64 and b64["rps"] > 0:
        r = m64["rps"] / b64["rps"]
        L.append("| modq >= %.1f x baseline req/s at 64 conns | %.3f | %s |"
                 % (TARGET_RATIO_64, r, ok(r >= TARGET_RATIO_64)))
        p99 = m64["p99_us"] / 1000.0
        L.append("| modq p99 <= %.0f ms at 64 conns, saturated (closed loop) | %.1f ms | %s |"
                 % (TARGET_P99_MS_64, p99, ok(p99 <= TARGET_P99_MS_64)))
    mh = half.get("modq")
    if mh:
        p99 = mh["p99_us"] / 1000.0
        L.append("| modq p99 <= %.0f ms at 64 conns, half load (paced) | %.1f ms | %s |"
                 % (TARGET_P99_MS_64, p99, ok(p99 <= TARGET_P99_MS_64)))
    if scale_ratio is not None:
        L.append("| %s stored comments >= %.1f x empty | %.3f | %s |"
                 % (facts.get("preload_comments", "?"), TARGET_SCALE_RATIO, scale_ratio,
                    ok(scale_ratio >= TARGET_SCALE_RATIO)))
    if rss256:
        L.append("| modq RSS <= %d MB at 256 conns | %.1f MB | %s |"
                 % (TARGET_RSS_MB_256, rss256, ok(rss256 <= TARGET_RSS_MB_256)))
    e1 = engine.get("1KB")
    if e1:
        L.append("| engine >= %d 1-KB comments/s/core | %.0f | %s |"
                 % (TARGET_ENGINE_1KB, num(e1["per_s"]), ok(num(e1["per_s"]) >= TARGET_ENGINE_1KB)))
    if "linearity" in engine:
        L.append("| engine linear in length (ns/byte 64 KB : 1 KB <= %.1f) | %.2f | %s |"
                 % (TARGET_LINEARITY, engine["linearity"], ok(engine["linearity"] <= TARGET_LINEARITY)))
    st = kv(facts.get("stall_modq", "").split())
    if st:
        L.append("| modq answers every one of 1,024 keep-alive conns (no stall) | %s of %d | %s |"
                 % (st.get("ok", "?"), int(num(st.get("conns"))) * int(num(st.get("rounds"))),
                    ok(st.get("verdict") == "pass")))
    L.append("")
    text = "\n".join(L)
    print(text)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
