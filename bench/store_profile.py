"""store_profile.py - what modq stores and asks of Redis per comment, on a
fixed workload.

Usage: python3 bench/store_profile.py MODQ_BINARY BODIES

BODIES holds one comment request body per line (the bench mix as the
baseline captures it: `build/bench/baseline PORT 2 BODIES 3000` under
`wrk ... -s bench/comments.lua ... -- bench KEY capture`, as bench/run.sh
step 2 does). A throwaway redis-server (no persistence) and MODQ_BINARY on
free loopback ports, the 4 articles of bench/articles.json, then every body
posted in order on one keep-alive connection. Prints the used_memory delta
per stored comment, the CPU time (utime + stime) of modq and of Redis per
comment, INFO commandstats per comment, and MEMORY USAGE summed per key
family. The same bodies give the same keys on every run, so two binaries
compare without the noise of a timed load (one connection: no pipelining
across requests, so Redis' per-round-trip cost is higher than under
`make bench`). Both processes are stopped at the end.
"""
import http.client, json, os, re, socket, subprocess, sys, tempfile, time
binary, bodies = sys.argv[1], sys.argv[2]
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
rp, mp = free_port(), free_port()
tmp = tempfile.mkdtemp(prefix="leanstore_mem_")
red = subprocess.Popen(["redis-server", "--port", str(rp), "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no"], stdout=subprocess.DEVNULL)
def cli(*a):
    return subprocess.run(["redis-cli", "-p", str(rp)] + [str(x) for x in a],
                          capture_output=True, text=True).stdout.strip()
for _ in range(100):
    if cli("PING") == "PONG": break
    time.sleep(0.05)
KEY = "bench-client-key-0123456789abcdef"
env = dict(os.environ, MODQ_LISTEN="127.0.0.1:%d" % mp, MODQ_REDIS_URL="redis://127.0.0.1:%d/0" % rp,
           MODQ_CLIENT_KEYS=KEY, MODQ_LOG_LEVEL="warn", MODQ_SPOOL_DIR=tmp + "/spool",
           MODQ_DRAIN_SECONDS="0")
mq = subprocess.Popen([binary], env=env, stdout=open(tmp + "/modq.log", "w"), stderr=subprocess.STDOUT)
try:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", mp), 0.2).close(); break
        except OSError: time.sleep(0.05)
    c = http.client.HTTPConnection("127.0.0.1", mp, timeout=10)
    H = {"Authorization": "Bearer " + KEY, "Content-Type": "application/json"}
    for a in json.load(open("bench/articles.json")):
        aid = a.pop("id")
        c.request("PUT", "/v1/sites/bench/articles/%s" % aid, json.dumps(a), H); c.getresponse().read()
    def used():
        return int(re.search(r"used_memory:(\d+)", cli("INFO", "memory")).group(1))
    def cpu(pid=None):
        f = open("/proc/%d/stat" % (pid or red.pid)).read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    cli("CONFIG", "RESETSTAT")
    u0 = used(); n = 0; c0 = cpu(); m0 = cpu(mq.pid)
    for line in open(bodies):
        c.request("POST", "/v1/sites/bench/comments", line.strip(), H)
        r = c.getresponse(); r.read()
        n += r.status in (200, 201)
    time.sleep(0.5)
    c1 = cpu(); m1 = cpu(mq.pid)
    stats = {}
    for l in cli("INFO", "commandstats").splitlines():
        if l.startswith("cmdstat_"):
            name, rest = l[8:].split(":", 1)
            d = dict(x.split("=") for x in rest.split(","))
            stats[name] = (int(d["calls"]), int(d["usec"]))
    u1 = used()
    ncomments = len(cli("--scan", "--pattern", "modq:{bench}:comment:*").split())
    fam = {}
    for k in cli("--scan", "--pattern", "modq:*").split():
        f = re.sub(r"^modq:\{bench\}:", "", k)
        f = re.sub(r"^(dup:b)\d:.*", r"\1*", f)
        f = re.sub(r"^(comment|dup:x|flood:a|flood:i|ident:.|idz:.|author|author_log|learned|claim|article|artver|thread|threadref|list:a|article_comments|pending:flag):.*", r"\1:*", f)
        mu = int(cli("MEMORY", "USAGE", k) or 0)
        e = fam.setdefault(f, [0, 0]); e[0] += 1; e[1] += mu
    print("posted %d answered %d records %d; used_memory delta %d B = %.0f B per comment"
          % (sum(1 for _ in open(bodies)), n, ncomments, u1 - u0, (u1 - u0) / max(ncomments, 1)))
    N = max(ncomments, 1)
    print("modq CPU %.1f us per comment" % ((m1 - m0) * 1e6 / os.sysconf("SC_CLK_TCK") / N))
    print("redis-server CPU %.1f us per comment (utime+stime, %d ticks)" % ((c1 - c0) * 1e6 / os.sysconf("SC_CLK_TCK") / N, c1 - c0))
    top = sorted(stats.items(), key=lambda x: -x[1][1])
    print("commandstats per comment (calls, us): " + "; ".join("%s %.2f x %.1f us" % (k, c / N, u / N) for k, (c, u) in top if k not in ("config|resetstat",)))
    tot = 0
    for f, (cnt, mu) in sorted(fam.items(), key=lambda x: -x[1][1]):
        tot += mu
        print("  %-22s keys %6d  MEMORY USAGE %9d B  %7.1f B/comment" % (f, cnt, mu, mu / ncomments))
    print("  sum of MEMORY USAGE: %.0f B per comment" % (tot / ncomments))
finally:
    mq.terminate(); mq.wait(10); red.terminate(); red.wait(10)
