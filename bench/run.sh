#!/bin/sh
# run.sh - `make bench`: modq's CPU per comment against its floor, the bare
# HTTP stack's throughput and latency, plus scale checks.
#
# Builds the optimised build/modq and the bench tools into build/bench/
# (all on jemalloc with modq's malloc_conf), then, everything on 127.0.0.1
# in a temp dir and stopped at exit:
#   1. engine_bench: engine-only comments/s and ns/byte (one core) for 1, 8
#      and 64 KB, and for 1 KB with modq's default thread context;
#   2. the floor's parts: the bench mix's bodies, captured by a baseline
#      server (bench/baseline.c) under a short unmeasured wrk run, then
#      engine_bench on exactly those comments (the engine alone); and
#      rtt_bench (the client side of one round trip to Redis), 3 times;
#   3. a throwaway redis-server (no persistence: we measure modq, not the
#      disk) and modq (log level warn) at 2 and at 4 worker threads, probed
#      alternately at 64 connections; the faster count is used from then on
#      (BENCH_THREADS=N skips the probe);
#   4. wrk (2 threads, keep-alive, bench/comments.lua, a fixed duration)
#      against the baseline server (libmicrohttpd + modq's codec only) and
#      modq, interleaved, at 16, 64 (3 times, median quoted), 256 and 1,024
#      connections, with the CPU time (utime + stime, /proc/PID/stat before
#      and after the run) each server and Redis spent per answered request;
#      then bench/stall_check.py (1,024 keep-alive connections all sending
#      at once, twice: every one must be answered); peak RSS (VmHWM) of
#      both; Redis memory per comment and Redis commands per comment;
#   4b. a Redis Cluster of 3 primaries (no replicas, no persistence; on
#      free loopback ports whose cluster-bus port, +10000, is free too) and
#      its own modq (redis_cluster); the same load, spread over 3 sites
#      whose {site} slots sit on the 3 primaries, against it and against
#      the single primary's modq, alternately (3 runs each), with the
#      CPU of modq and of every Redis node per answered request; the
#      cluster is stopped after;
#   5. a second redis-server loaded with the duplicate-detection keys of
#      1,000,000 comments (bench/preload.c | redis-cli --pipe) and its own
#      modq; 64-connection runs alternate between the empty and the loaded
#      pair (3 each, medians compared, Redis per-command cost of both).
# Prints the report, ending with the CPU-per-comment table whose last lines
# are the floor (baseline + engine alone + round trip) and modq / floor, and
# writes it to build/bench/results.md and build/bench/results.json
# (bench/report.py); the raw figures go to build/bench/raw.txt, modq's logs
# to build/bench/modq-*.log. About 5 minutes; the 1M preload needs ~4.5 GB
# RAM.
#
# Knobs (environment): QUICK=1 (a short run, about a minute: 2-s wrk runs,
# 2 worker threads without the probe, 64 connections only, no preload;
# every figure of the CPU table is still taken), BENCH_DURATION (s per wrk
# run, default 6), BENCH_THREADS, BENCH_PRELOAD (comments, default
# 1000000; 0 skips; lowered to what half the available memory holds),
# BENCH_ENGINE_SECONDS (CPU s per engine case, default 1), BENCH_PROFILE=1
# (perf record of modq at 64 connections and of the 1-KB engine case ->
# build/bench/profile-*.txt).
set -eu
cd "$(dirname "$0")/.."

QUICK=${QUICK:-0}
if [ "$QUICK" = "1" ]; then
    : "${BENCH_DURATION:=2}" "${BENCH_THREADS:=2}" "${BENCH_PRELOAD:=0}"
    : "${BENCH_ENGINE_SECONDS:=0.3}"
    MAIN_CONNS="64 64 64"
else
    MAIN_CONNS="16 64 64 64 256"
fi
DURATION=${BENCH_DURATION:-6}
LONG_DURATION=$((DURATION + 2))   # the 1,024-connection run
WRK_TIMEOUT=5s                    # an answer later than this is an error
WRK_THREADS=2
PRELOAD=${BENCH_PRELOAD:-1000000}
ENGINE_SECONDS=${BENCH_ENGINE_SECONDS:-1}
MIX_BODIES=3000                   # captured bench-mix comments for the engine
RTT_RUNS=3                        # round-trip measurements (median quoted)
DUP_WINDOW_S=2592000              # config dup_window_days default (30), in s
PRELOAD_KB_PER_COMMENT=5          # Redis memory per preloaded comment (4.4 KB)
SITE=bench
KEY="bench-client-key-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
OUT=build/bench

log() { printf 'bench %s: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "$*"; exit 1; }
# The value of a Makefile expression, so the bench tools build with the
# Makefile's flags and link the objects it lists (generated ones included).
mkvar() {
    make -s --no-print-directory --eval "bench-print-var: ; @echo $1" bench-print-var
}

# ================================================================ build
MODQ_EXTRA_PKGS=wrk sh tools/bootstrap.sh
make --no-print-directory build/modq
mkdir -p "$OUT"
rm -f "$OUT"/modq*.log "$OUT"/profile-*.txt "$OUT/raw.txt" "$OUT/results.md" "$OUT/results.json"
# shellcheck disable=SC2016 # Make expressions, expanded by make
CFLAGS="-std=c11 -D_GNU_SOURCE -Iinclude $(mkvar '$(PRIV_INC)') -pthread $(mkvar '$(OPT) $(WARN)')"
# shellcheck disable=SC2016
LDLIBS=$(mkvar '$(LDLIBS) $(MALLOC_LIBS)')
# shellcheck disable=SC2016
ENGINE_OBJS=$(mkvar '$(filter-out build/obj/main.o,$(OBJ))')
# shellcheck disable=SC2086
cc $CFLAGS -o "$OUT/baseline" bench/baseline.c $ENGINE_OBJS $LDLIBS
# shellcheck disable=SC2086
cc $CFLAGS -o "$OUT/preload" bench/preload.c
# shellcheck disable=SC2086
cc $CFLAGS -o "$OUT/engine_bench" bench/engine_bench.c $ENGINE_OBJS $LDLIBS
# shellcheck disable=SC2086
cc $CFLAGS -o "$OUT/rtt_bench" bench/rtt_bench.c $LDLIBS
command -v wrk >/dev/null || die "wrk is not installed"

# ================================================================ processes
TMP=$(mktemp -d /tmp/modq-bench.XXXXXX)
RAW="$TMP/raw.txt"
# A private copy: every run uses the same binary even if build/modq is
# rebuilt meanwhile, and perf can still resolve its symbols.
MODQ_BIN="$TMP/modq"
cp build/modq "$MODQ_BIN"
: > "$RAW"
PIDS=""   # every process we started, oldest first

stop_pid() { # SIGTERM one of our processes, reap it, forget its pid
    case " $PIDS " in *" $1 "*) ;; *) return 0 ;; esac
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    keep=""
    for p in $PIDS; do [ "$p" = "$1" ] || keep="$keep $p"; done
    PIDS=$keep
}
cleanup() {
    rev=""
    for p in $PIDS; do rev="$p $rev"; done
    for p in $rev; do stop_pid "$p"; done   # newest first: modq before Redis
    for f in "$TMP"/modq-*.log; do [ -f "$f" ] && cp "$f" "$OUT/"; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
free_cluster_port() { # $* = the other nodes' ports: a free port whose
    # cluster-bus port (port + 10000) is free too, neither of them another
    # node's port or bus port (a node not started yet has not bound its bus)
    python3 - "$@" <<'EOF'
import socket, sys
taken = {int(a) for a in sys.argv[1:]}
busy = taken | {q + 10000 for q in taken}
for _ in range(200):
    a = socket.socket()
    a.bind(("127.0.0.1", 0))
    port = a.getsockname()[1]
    b = socket.socket()
    try:
        if port + 10000 > 65535 or port in busy or port + 10000 in busy:
            continue
        b.bind(("127.0.0.1", port + 10000))
    except OSError:
        continue
    finally:
        b.close()
        a.close()
    print(port)
    break
EOF
}
wait_http() { # $1 = port: any HTTP answer within 10 s
    i=0
    until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/healthz"; do
        i=$((i + 1))
        [ $i -gt 100 ] && return 1
        sleep 0.1
    done
}
rcli() { p=$1; shift; redis-cli -p "$p" "$@"; }
used_memory() { rcli "$1" info memory | tr -d '\r' | sed -n 's/^used_memory://p'; }
vmhwm_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
fact() { echo "FACT $*" >> "$RAW"; }
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # user+system clock ticks of processes (their names have no spaces)
    t=0
    for p in "$@"; do
        t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$t"
}
# wait_idle PID...: until each process uses under ~10% of a core (at most
# 15 s), so the requests wrk left in flight do not spill into the next run
wait_idle() {
    for p in "$@"; do
        i=0
        while [ $i -lt 75 ]; do
            a=$(cpu_ticks "$p")
            sleep 0.2
            [ $(($(cpu_ticks "$p") - a)) -le 2 ] && break
            i=$((i + 1))
        done
    done
}

# start_redis NAME [PORT [ARG...]]: sets <NAME>_PORT and <NAME>_PID (DEBUG
# allowed from 127.0.0.1: the 1M check reads DEBUG HTSTATS); a free port
# unless PORT is given, the ARGs added to redis-server's
start_redis() {
    name=$1 port=${2:-$(free_port)}
    shift
    [ $# -gt 0 ] && shift
    mkdir -p "$TMP/$name"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$TMP/$name" \
        --save "" --appendonly no --daemonize no --logfile "$TMP/$name/log" \
        --enable-debug-command local "$@" &
    eval "${name}_PID=$! ${name}_PORT=$port"
    PIDS="$PIDS $!"
    i=0
    until rcli "$port" ping >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -gt 100 ] && die "redis-server did not start"
        sleep 0.1
    done
}

# start_cluster: a Redis Cluster of 3 primaries; sets CL_PIDS, CL_SEEDS
# (host:port,...) and CL_PORT (the first node's port)
start_cluster() {
    CL_PIDS="" CL_SEEDS="" CL_PORT="" cl_ports=""
    for n in 1 2 3; do
        # shellcheck disable=SC2086 # one argument per port
        port=$(free_cluster_port $cl_ports)
        cl_ports="$cl_ports $port"
        [ -n "$port" ] || die "no free port pair for a cluster node"
        start_redis "CL$n" "$port" --cluster-enabled yes \
            --cluster-config-file "$TMP/CL$n/nodes.conf"
        CL_PIDS="$CL_PIDS $!"
        CL_SEEDS="$CL_SEEDS${CL_SEEDS:+,}127.0.0.1:$port"
        : "${CL_PORT:=$port}"
    done
    # shellcheck disable=SC2046 # one argument per node
    redis-cli --cluster create $(echo "$CL_SEEDS" | tr ',' ' ') --cluster-replicas 0 \
        --cluster-yes > "$TMP/cluster-create.txt" 2>&1 ||
        die "redis-cli --cluster create: $(tail -3 "$TMP/cluster-create.txt")"
    i=0
    for hp in $(echo "$CL_SEEDS" | tr ',' ' '); do
        until rcli "${hp#*:}" cluster info | grep -q 'cluster_state:ok'; do
            i=$((i + 1))
            [ $i -gt 200 ] && die "the cluster did not reach cluster_state:ok"
            sleep 0.1
        done
    done
}

# cluster_sites PORT: one site per primary ("bench<i>" whose {site} slot
# that primary serves), comma-separated
cluster_sites() {
    python3 - "$1" <<'EOF'
import subprocess, sys
def cli(*a):
    return subprocess.run(["redis-cli", "-p", sys.argv[1]] + list(a), capture_output=True,
                          text=True, check=True).stdout
ranges = []
for line in cli("CLUSTER", "NODES").splitlines():
    f = line.split()
    if "master" in f[2]:
        for r in f[8:]:
            a, _, b = r.partition("-")
            ranges.append((int(a), int(b or a), f[0]))
nodes = {n for _, _, n in ranges}
out = {}
for i in range(1000):
    slot = int(cli("CLUSTER", "KEYSLOT", "{bench%d}" % i))
    out.setdefault(next(n for a, b, n in ranges if a <= slot <= b), "bench%d" % i)
    if len(out) == len(nodes):
        break
print(",".join(sorted(out.values())))
EOF
}

# start_modq NAME THREADS REDIS_PORT [CLUSTER_SEEDS]: sets <NAME>_PORT and
# <NAME>_PID (every load generator connects from 127.0.0.1: the
# per-address limit is raised above their connection counts)
start_modq() {
    port=$(free_port)
    MODQ_LISTEN="127.0.0.1:$port" MODQ_REDIS_URL="redis://127.0.0.1:$3/0" \
    MODQ_REDIS_CLUSTER="${4:-}" \
    MODQ_CLIENT_KEYS="$KEY" MODQ_THREADS="$2" MODQ_LOG_LEVEL=warn MODQ_DRAIN_SECONDS=0 \
    MODQ_MAX_CONNECTIONS_PER_IP=4096 \
    MODQ_SPOOL_DIR="$TMP/spool-$1" "$MODQ_BIN" > "$TMP/modq-$1.log" 2>&1 &
    eval "$1_PID=$! $1_PORT=$port"
    PIDS="$PIDS $!"
    wait_http "$port" || die "modq did not start: $(tail -5 "$TMP/modq-$1.log")"
}

# start_baseline THREADS [CAPTURE_FILE N]: sets BASE_PORT and BASE_PID
start_baseline() {
    BASE_PORT=$(free_port)
    "$OUT/baseline" "$BASE_PORT" "$@" > "$TMP/baseline.log" 2>&1 &
    BASE_PID=$!
    PIDS="$PIDS $!"
    wait_http "$BASE_PORT" || die "baseline did not start: $(cat "$TMP/baseline.log")"
}

register_articles() { # $1 = modq port [$2 = site(s), comma-separated; default $SITE]
    python3 - "$1" "${2:-$SITE}" "$KEY" <<'EOF'
import http.client, json, sys
port, sites, key = sys.argv[1:4]
for site in sites.split(","):
    for a in json.load(open("bench/articles.json")):
        aid = a.pop("id")
        c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        c.request("PUT", "/v1/sites/%s/articles/%s" % (site, aid), json.dumps(a),
                  {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status not in (200, 201):
            sys.exit("article %s of %s: HTTP %d" % (aid, site, r.status))
EOF
}

RUN_N=0
LAST_RPS=0
# run_wrk SERVER PORT CONNS SECONDS LABEL [SERVER_PID [REDIS_PIDS]]: one wrk
# run, a RUN line in $RAW with the CPU time the server and its Redis (the
# sum over REDIS_PIDS, space-separated: every node of a cluster) used
# during it; then waits for them to go idle before the next run. With
# PAUSE_MS set, each connection pauses that long between requests; with
# WRK_SITES set, the comments go to those sites (comma-separated) in turn.
PAUSE_MS=""
WRK_SITES=""
run_wrk() {
    RUN_N=$((RUN_N + 1))
    # shellcheck disable=SC2086 # REDIS_PIDS: one argument per pid
    s0=$(cpu_ticks "${6:-self}") r0=$(cpu_ticks ${7:-self})
    script=bench/comments.lua
    [ -n "$PAUSE_MS" ] && script=bench/comments_paced.lua
    out=$(wrk -t"$WRK_THREADS" -c"$3" -d"$4"s --timeout "$WRK_TIMEOUT" -s "$script" \
        "http://127.0.0.1:$2" -- "${WRK_SITES:-$SITE}" "$KEY" "r$RUN_N$1" \
        ${PAUSE_MS:+"$PAUSE_MS"} 2>&1) || true
    # shellcheck disable=SC2086
    s1=$(cpu_ticks "${6:-self}") r1=$(cpu_ticks ${7:-self})
    line=$(printf '%s\n' "$out" | grep '^BENCH ' | tail -1 || true)
    if [ -z "$line" ]; then
        log "wrk gave no figures: $(printf '%s' "$out" | tail -3)"
        line="BENCH requests=0 duration_us=1 rps=0 p50_us=0 p99_us=0 max_us=0 non2xx=0 connect=0 read=0 write=0 timeout=0"
    fi
    cpu="srv_cpu_ms=$(((s1 - s0) * 1000 / CLK_TCK))"
    [ -n "${7:-}" ] && cpu="$cpu redis_cpu_ms=$(((r1 - r0) * 1000 / CLK_TCK))"
    echo "RUN server=$1 conns=$3 label=$5 ${line#BENCH } $cpu${PAUSE_MS:+ pause_ms=$PAUSE_MS}" >> "$RAW"
    LAST_RPS=$(printf '%s\n' "$line" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p')
    printf '  %s %-8s %5s conns %-7s %s %s\n' "$(date +%T)" "$1" "$3" "$5" "${line#BENCH }" \
        "$cpu" >&2
    shift 5
    # shellcheck disable=SC2068 # REDIS_PIDS: one argument per pid
    wait_idle $@
}

# ================================================================ 1. engine
log "engine: ${ENGINE_SECONDS}s per case"
"$OUT/engine_bench" "$ENGINE_SECONDS" > "$TMP/engine.txt"
grep -v '^ENGINE' "$TMP/engine.txt" >&2
grep '^ENGINE' "$TMP/engine.txt" | sed 's/^ENGINE /EBENCH /' >> "$RAW"

# ================================================================ 2. floor
# The engine alone on the bench mix: a baseline server that writes the
# first MIX_BODIES comment bodies it decodes, under a short wrk run that is
# not measured, then engine_bench on exactly those comments.
log "floor: the bench mix's comments, captured by the baseline"
start_baseline 2 "$TMP/mix.txt" "$MIX_BODIES"
wrk -t"$WRK_THREADS" -c16 -d2s -s bench/comments.lua "http://127.0.0.1:$BASE_PORT" \
    -- "$SITE" "$KEY" capture > /dev/null 2>&1 || true
stop_pid "$BASE_PID"
[ "$(wc -l < "$TMP/mix.txt")" -eq "$MIX_BODIES" ] || die "captured only $(wc -l < "$TMP/mix.txt") bodies"
"$OUT/engine_bench" "$ENGINE_SECONDS" mix "$TMP/mix.txt" bench/articles.json > "$TMP/mix-engine.txt"
grep -v '^ENGINE' "$TMP/mix-engine.txt" >&2
grep '^ENGINE' "$TMP/mix-engine.txt" | sed 's/^ENGINE /EBENCH /' >> "$RAW"

start_redis R1
# One round trip's client side, against the idle Redis modq will use.
log "floor: one round trip to Redis, client side, $RTT_RUNS times"
for _ in $(seq "$RTT_RUNS"); do
    "$OUT/rtt_bench" "$R1_PORT" 1 > "$TMP/rtt.txt" || die "rtt_bench failed"
    grep -v '^RTT' "$TMP/rtt.txt" >&2
    grep '^RTT' "$TMP/rtt.txt" >> "$RAW"
done

# ================================================================ 3. threads
if [ -n "${BENCH_THREADS:-}" ]; then
    THREADS=$BENCH_THREADS
    start_modq MAIN "$THREADS" "$R1_PORT"
    register_articles "$MAIN_PORT"
    MEM0=$(used_memory "$R1_PORT")
else
    log "thread probe: modq at 64 connections, 2 and 4 worker threads alternately"
    start_modq T2 2 "$R1_PORT"
    start_modq T4 4 "$R1_PORT"
    register_articles "$T2_PORT"
    MEM0=$(used_memory "$R1_PORT")
    sum2=0 sum4=0
    for _ in 1 2; do
        run_wrk modq "$T2_PORT" 64 "$DURATION" probe2 "$T2_PID" "$R1_PID"
        sum2=$(python3 -c "print($sum2 + $LAST_RPS)")
        run_wrk modq "$T4_PORT" 64 "$DURATION" probe4 "$T4_PID" "$R1_PID"
        sum4=$(python3 -c "print($sum4 + $LAST_RPS)")
    done
    fact "probe_threads_2=$(python3 -c "print($sum2 / 2)")"
    fact "probe_threads_4=$(python3 -c "print($sum4 / 2)")"
    if python3 -c "import sys; sys.exit(0 if $sum2 > $sum4 else 1)"; then
        THREADS=2 MAIN_PID=$T2_PID MAIN_PORT=$T2_PORT
        stop_pid "$T4_PID"
    else
        THREADS=4 MAIN_PID=$T4_PID MAIN_PORT=$T4_PORT
        stop_pid "$T2_PID"
    fi
fi
fact "threads=$THREADS"
log "using $THREADS worker threads for modq and the baseline"

# ================================================================ 4. main runs
start_baseline "$THREADS"
rcli "$R1_PORT" config resetstat >/dev/null   # commandstats of the main runs only
log "main runs: ${DURATION}s each (${LONG_DURATION}s at 1024), baseline and modq interleaved"
for c in $MAIN_CONNS; do
    run_wrk baseline "$BASE_PORT" "$c" "$DURATION" main "$BASE_PID"
    run_wrk modq "$MAIN_PORT" "$c" "$DURATION" main "$MAIN_PID" "$R1_PID"
done
if [ "$QUICK" != "1" ]; then
    fact "rss_kb_modq_256=$(vmhwm_kb "$MAIN_PID")"
    fact "rss_kb_baseline_256=$(vmhwm_kb "$BASE_PID")"
    run_wrk baseline "$BASE_PORT" 1024 "$LONG_DURATION" main "$BASE_PID"
    run_wrk modq "$MAIN_PORT" 1024 "$LONG_DURATION" main "$MAIN_PID" "$R1_PID"
fi
# What modq asked of Redis in the main runs: calls and microseconds per command
rcli "$R1_PORT" info commandstats | tr -d '\r' |
    sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),usec=\([0-9]*\),.*/FACT redis_cmd_\1=\2,\3/p' >> "$RAW"
# No-stall check: 1,024 keep-alive connections, all ready at once, twice;
# every request must get a 2xx answer (bench/stall_check.py).
for s in "modq $MAIN_PORT $MAIN_PID $R1_PID" "baseline $BASE_PORT $BASE_PID"; do
    # shellcheck disable=SC2086
    set -- $s
    line=$(python3 bench/stall_check.py "$2" "$SITE" "$KEY" --conns 1024 --rounds 2 \
        --tag "stall-$1" 2>&1 | tail -1) || true
    printf '  %s %-8s  1024 conns stall   %s\n' "$(date +%T)" "$1" "${line#STALL }" >&2
    fact "stall_$1=${line#STALL }"
    shift 2
    wait_idle "$@"
done
# Latency below saturation: 64 connections paced to half the 64-connection
# throughput measured above (median), for each server.
for s in "baseline $BASE_PORT $BASE_PID" "modq $MAIN_PORT $MAIN_PID $R1_PID"; do
    # shellcheck disable=SC2086
    set -- $s
    rps=$(python3 bench/report.py --median-rps "$RAW" "$1")
    # offered load = rps / 2: each of 64 connections sends 1 per 128000 / rps ms
    PAUSE_MS=$(python3 -c "print(max(1, int(128000 / max(float('$rps'), 1.0))))")
    run_wrk "$1" "$2" 64 "$DURATION" half "$3" ${4:+"$4"}
    PAUSE_MS=""
done
fact "rss_kb_modq_1024=$(vmhwm_kb "$MAIN_PID")"
fact "rss_kb_baseline_1024=$(vmhwm_kb "$BASE_PID")"
stop_pid "$BASE_PID"
curl -s "http://127.0.0.1:$MAIN_PORT/metrics" |
    sed -n 's/^modq_comments_total{status="\([a-z]*\)"} \([0-9]*\)$/FACT verdict_\1=\2/p' >> "$RAW"


# Redis memory per stored comment: everything modq keeps for one (record,
# duplicate keys, queue entry, counters, share of the bounded thread lists).
fact "redis_mem_before=$MEM0"
fact "redis_mem_after=$(used_memory "$R1_PORT")"
fact "redis_comments=$(rcli "$R1_PORT" --scan --pattern "modq:{$SITE}:comment:*" | wc -l)"
k=$(rcli "$R1_PORT" --scan --pattern "modq:{$SITE}:comment:*" | head -1)
[ -n "$k" ] && fact "redis_record_sample_bytes=$(rcli "$R1_PORT" memory usage "$k")"
k=$(rcli "$R1_PORT" --scan --pattern "modq:{$SITE}:dup:b0:*" | head -1)
[ -n "$k" ] && fact "redis_band_key_sample_bytes=$(rcli "$R1_PORT" memory usage "$k")"

# ================================================================ 4b. cluster
# The same load on a 3-primary Redis Cluster and on the single primary,
# spread over 3 sites whose {site} slots sit on the 3 primaries (one site
# would put every comment on one primary), alternately.
log "cluster: 3 primaries and one primary, the same load over 3 sites, alternately"
start_cluster
CL_SITES=$(cluster_sites "$CL_PORT")
fact "cluster_sites=$CL_SITES"
start_modq SHARDED "$THREADS" "$CL_PORT" "$CL_SEEDS"
register_articles "$SHARDED_PORT" "$CL_SITES"
register_articles "$MAIN_PORT" "$CL_SITES"
WRK_SITES=$CL_SITES
for _ in 1 2 3; do
    run_wrk modq "$MAIN_PORT" 64 "$DURATION" sites3 "$MAIN_PID" "$R1_PID"
    run_wrk cluster "$SHARDED_PORT" 64 "$DURATION" sites3 "$SHARDED_PID" "$CL_PIDS"
done
WRK_SITES=""
CL_METRICS=$(curl -s "http://127.0.0.1:$SHARDED_PORT/metrics")
fact "cluster_redirects=$(printf '%s\n' "$CL_METRICS" |
    sed -n 's/^modq_redis_cluster_redirects_total \([0-9]*\)$/\1/p')"
fact "cluster_spooled=$(printf '%s\n' "$CL_METRICS" | sed -n 's/^modq_spooled_total \([0-9]*\)$/\1/p')"
for hp in $(echo "$CL_SEEDS" | tr ',' ' '); do
    fact "cluster_keys_${hp#*:}=$(rcli "${hp#*:}" dbsize)"
done
stop_pid "$SHARDED_PID"
for p in $CL_PIDS; do stop_pid "$p"; done

# ================================================================ 5. 1M stored
avail_kb=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
if [ "$PRELOAD" -gt $((avail_kb / 2 / PRELOAD_KB_PER_COMMENT)) ]; then
    PRELOAD=$((avail_kb / 2 / PRELOAD_KB_PER_COMMENT))
    log "scale: only $((avail_kb / 1024)) MB available: preloading $PRELOAD comments"
fi
if [ "$PRELOAD" -gt 0 ]; then
    log "scale: a second Redis with $PRELOAD comments' duplicate keys (redis-cli --pipe)"
    start_redis R2
    pm0=$(used_memory "$R2_PORT")
    t0=$(date +%s)
    "$OUT/preload" "$SITE" "$PRELOAD" "$DUP_WINDOW_S" | rcli "$R2_PORT" --pipe > "$TMP/pipe.txt" 2>&1 ||
        die "redis-cli --pipe failed: $(tail -3 "$TMP/pipe.txt")"
    grep -q 'errors: 0,' "$TMP/pipe.txt" || die "preload had errors: $(tail -3 "$TMP/pipe.txt")"
    fact "preload_comments=$PRELOAD"
    fact "preload_seconds=$(($(date +%s) - t0))"
    fact "preload_mem_per_comment=$((($(used_memory "$R2_PORT") - pm0) / PRELOAD))"
    fact "preload_keys=$(rcli "$R2_PORT" dbsize)"
    # The bulk load leaves Redis' key and expiry tables halfway through an
    # incremental rehash (8M -> 16M buckets), which every command then
    # helps along for minutes: a transient of the bulk load, not a cost of
    # history (a keyspace growing with real traffic spreads each doubling's
    # rehash over its growth). Let it finish before measuring: hz 500 gives
    # Redis' cron rehashing 50x its usual time; then back to the default.
    t0=$(date +%s)
    rcli "$R2_PORT" config set hz 500 >/dev/null
    i=0
    # (DEBUG HTSTATS walks the 16M buckets: poll it rarely, or it takes the
    # time the rehash needs)
    while rcli "$R2_PORT" debug htstats 0 | grep -q 'rehashing target' && [ $i -lt 120 ]; do
        sleep 2
        i=$((i + 1))
    done
    rcli "$R2_PORT" config set hz 10 >/dev/null
    fact "preload_rehash_seconds=$(($(date +%s) - t0))"
    start_modq LOADED "$THREADS" "$R2_PORT"
    register_articles "$LOADED_PORT"
    rcli "$R1_PORT" flushall async >/dev/null   # sync would block modq's pollers
    register_articles "$MAIN_PORT"
    log "scale: 64 connections, empty and loaded alternately"
    rcli "$R1_PORT" config resetstat >/dev/null
    rcli "$R2_PORT" config resetstat >/dev/null
    for _ in 1 2 3; do
        run_wrk modq "$MAIN_PORT" 64 "$DURATION" empty "$MAIN_PID" "$R1_PID"
        run_wrk modq "$LOADED_PORT" 64 "$DURATION" loaded "$LOADED_PID" "$R2_PID"
    done
    for r in "empty $R1_PORT" "loaded $R2_PORT"; do
        # shellcheck disable=SC2086
        set -- $r
        rcli "$2" info commandstats | tr -d '\r' |
            sed -n "s/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),usec=\([0-9]*\),.*/FACT redis_$1_cmd_\1=\2,\3/p" >> "$RAW"
    done
    stop_pid "$LOADED_PID"
    stop_pid "$R2_PID"
fi

# ================================================================ profile
perf_top() { # $1 = perf.data: top functions by own time, then inclusive time
    echo "# self (own) time"
    perf report -i "$1" --no-children --sort dso,symbol --percent-limit 0.8 --stdio -g none \
        2>/dev/null | grep -E '^ +[0-9]' || true
    echo "# inclusive time (children included)"
    perf report -i "$1" --children --sort symbol --percent-limit 2 --stdio -g none \
        2>/dev/null | grep -E '^ +[0-9]' | grep -v '\[k\]' || true
}
if [ "${BENCH_PROFILE:-0}" = "1" ]; then
    if perf stat -e instructions true >/dev/null 2>&1; then
        log "profile: perf record of modq at 64 connections, then of the engine bench"
        perf record -q -F 499 --call-graph dwarf,16384 -o "$TMP/modq.perf" -p "$MAIN_PID" \
            -- sleep "$DURATION" >/dev/null 2>&1 &
        perf_pid=$!
        run_wrk modq "$MAIN_PORT" 64 "$DURATION" profile "$MAIN_PID" "$R1_PID"
        wait "$perf_pid" || true
        perf_top "$TMP/modq.perf" > "$OUT/profile-modq.txt"
        perf record -q -F 999 --call-graph dwarf,16384 -o "$TMP/engine.perf" \
            "$OUT/engine_bench" "$ENGINE_SECONDS" 1KB >/dev/null 2>&1 || true
        perf_top "$TMP/engine.perf" > "$OUT/profile-engine.txt"
        log "profiles: $OUT/profile-modq.txt, $OUT/profile-engine.txt"
    else
        log "profile: perf cannot count instructions here (package linux-perf?), skipped"
    fi
fi

stop_pid "$MAIN_PID"
WARN_RE='"level":"\(warn\|error\)"'
fact "modq_log_warnings=$(cat "$TMP"/modq-*.log | grep -c "$WARN_RE" || true)"
fact "modq_log_first_warning=$(grep -m1 "$WARN_RE" "$TMP"/modq-*.log | head -1 | sed 's|^.*/||' | cut -c1-200 || true)"
fact "machine_nproc=$(nproc)"
fact "machine_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
fact "machine_mem_mb=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024))"
fact "machine_load=$(cut -d' ' -f1-3 /proc/loadavg)"
fact "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
fact "quick=$QUICK"
fact "git=$(git describe --always --dirty 2>/dev/null || echo unknown)"
cp "$RAW" "$OUT/raw.txt"
python3 bench/report.py "$RAW" "$OUT/results.md" "$OUT/results.json"
