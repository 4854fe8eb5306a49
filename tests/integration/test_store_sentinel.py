"""test_store_sentinel.py - the store behind Redis Sentinel: the primary dies
under load, or hands its role over.

On loopback: one primary, one replica, three sentinels (quorum 2,
down-after 1 s). modq is given the sentinel list (the first entry is a dead
port, so resolution must move on to the next sentinel) and never the
primary's address. A load generator posts comments (about half of them
pending, MODQ_THRESHOLD_REJECT=1.0) while the primary is killed with -9.
modq must answer every request (spooling while there is no primary), find
the promoted replica through the sentinels, replay its spool there, and not
lose a pending comment: every id answered "pending" is in the new primary's
review queue exactly once (read on that node). A manual SENTINEL FAILOVER
under load: modq must notice the switch and move to the new primary at
once; with redis_wait_replicas=1 nothing may be lost even inside Sentinel's
own switch window (counted and printed).
test_readonly_node_is_dropped covers a connection to a node that turned
into a replica under modq's feet. Everything started here is killed.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from harness import Modq, free_port, wait_port

SITE = "sent"
MASTER = "mymaster"
SPAM = ("CHECK OUT MY CHANNEL!!! subscribe subscribe subscribe http://bit.ly/xx1 "
        "http://cheap-pills.example/buy http://win-money.example earn $500 a day")
ON_TOPIC = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
            "the council made the right decision, though shop owners need a plan for deliveries.")
ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced."}
FAILOVER_BOUND_S = 20   # a primary must be elected within this
LOAD_BOUND_S = 45       # the whole load phase, whatever happens


def cli(port, *args, timeout=5):
    try:
        out = subprocess.run(["redis-cli", "-p", str(port)] + [str(a) for a in args],
                             capture_output=True, text=True, timeout=timeout)
        return out.stdout.strip()
    except subprocess.TimeoutExpired:
        return ""


def until(pred, bound, step=0.1):
    end = time.time() + bound
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None


class Cluster:
    """Primary + replica + three sentinels in a temp dir."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="modq-sentinel-")
        self.procs = {}
        self.ports = {"p": free_port(), "r": free_port()}
        self.sports = [free_port() for _ in range(3)]

    def start_redis(self, name, replicaof=None):
        port = self.ports[name]
        d = os.path.join(self.tmp, name)
        os.makedirs(d, exist_ok=True)
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                "--repl-diskless-sync-delay", "0",
                "--daemonize", "no", "--logfile", os.path.join(d, "log")]
        if replicaof:
            args += ["--replicaof", "127.0.0.1", str(replicaof)]
        self.procs[name] = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
        assert wait_port(port), "redis %s did not start" % name

    def start_sentinels(self):
        for i, port in enumerate(self.sports):
            d = os.path.join(self.tmp, "s%d" % i)
            os.makedirs(d, exist_ok=True)
            conf = os.path.join(d, "sentinel.conf")
            with open(conf, "w") as f:
                f.write("port %d\nbind 127.0.0.1\ndaemonize no\ndir %s\nlogfile %s\n"
                        "sentinel monitor %s 127.0.0.1 %d 2\n"
                        "sentinel down-after-milliseconds %s 1000\n"
                        "sentinel failover-timeout %s 4000\n"
                        "sentinel parallel-syncs %s 1\n"
                        % (port, d, os.path.join(d, "log"), MASTER, self.ports["p"],
                           MASTER, MASTER, MASTER))
            self.procs["s%d" % i] = subprocess.Popen(["redis-sentinel", conf],
                                                     stdout=subprocess.DEVNULL,
                                                     stderr=subprocess.DEVNULL)
            assert wait_port(port), "sentinel %d did not start" % i

    def primary(self):
        """The address every sentinel agrees on, or None."""
        seen = set()
        for port in self.sports:
            out = cli(port, "SENTINEL", "get-master-addr-by-name", MASTER).split()
            if len(out) != 2:
                return None
            seen.add(int(out[1]))
        return seen.pop() if len(seen) == 1 else None

    def kill(self, name):
        p = self.procs.pop(name, None)
        if p and p.poll() is None:
            p.kill()
            p.wait()

    def close(self, keep):
        for name in list(self.procs):
            self.kill(name)
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


class Load:
    """Two threads posting comments until told to stop (or a bound)."""

    def __init__(self, m, prefix):
        self.m = m
        self.prefix = prefix
        self.lock = threading.Lock()
        self.answers = []      # (id, http status, verdict status, t)
        self.errors = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(k,)) for k in range(2)]

    def run(self, k):
        i = 0
        end = time.time() + LOAD_BOUND_S
        while not self.stop.is_set() and time.time() < end and i < 3000:
            cid = "%s-%d-%d" % (self.prefix, k, i)
            text = (SPAM + " offer %d/%d" % (k, i)) if i % 2 == 0 else \
                (ON_TOPIC + " (reader %d/%d)" % (k, i))
            try:
                r = self.m.request("POST", "/v1/sites/%s/comments" % SITE,
                                   {"id": cid, "article_id": "a1", "text": text,
                                    "author": {"name": "u%d-%d" % (k, i)}}, timeout=10)
                with self.lock:
                    if r.status in (200, 201):
                        # a provisional answer (no primary: spooled) settles to
                        # the engine's verdict when the spool replays
                        st = (r.json["auto_status"] if r.json.get("provisional")
                              else r.json["status"])
                        self.answers.append((cid, r.status, st, time.time()))
                    else:
                        self.errors.append((cid, r.status, r.raw[:200]))
            except OSError as e:
                with self.lock:
                    self.errors.append((cid, "exception", str(e)))
            i += 1

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def count(self):
        with self.lock:
            return len(self.answers)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()


def metric(m, name):
    for line in m.request("GET", "/metrics", key=None).raw.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def drained(m):
    r = m.request("GET", "/readyz", key=None)
    return r.status == 200 and r.json["spool"]["pending"] == 0


def check_queue(port, answers):
    """Every id answered pending must be in the review queue on `port` and
    have its comment record there; nothing else may be queued. Returns
    (pending answered, found, lost ids)."""
    pending_ids = [a[0] for a in answers if a[2] == "pending"]
    queued = cli(port, "ZRANGE", "modq:{%s}:pending" % SITE, 0, -1, timeout=20).split()
    qs = set(queued)
    assert qs <= set(pending_ids), "queued but never answered pending: %s" % (qs - set(pending_ids))
    script = "".join("EXISTS modq:{%s}:comment:%s\n" % (SITE, i) for i in pending_ids)
    out = subprocess.run(["redis-cli", "-p", str(port)], input=script, capture_output=True,
                         text=True, timeout=30).stdout.split()
    assert len(out) == len(pending_ids), out[:5]
    lost = [i for i, e in zip(pending_ids, out) if i not in qs or e != "1"]
    return len(pending_ids), len(pending_ids) - len(lost), lost


def watched_cluster():
    """A primary p, its synced replica r and three sentinels that know
    each other. Returns (cluster, sentinel list for modq: a dead port
    first, so that resolution must move on to the next sentinel)."""
    cl = Cluster()
    try:
        cl.start_redis("p")
        cl.start_redis("r", replicaof=cl.ports["p"])
        assert until(lambda: "master_link_status:up" in cli(cl.ports["r"], "INFO", "replication"),
                     10), "replica did not sync"
        cl.start_sentinels()
        # every sentinel must know the replica and the two other sentinels
        assert until(lambda: all(
            cli(s, "SENTINEL", "replicas", MASTER).count("name") >= 1 and
            cli(s, "SENTINEL", "sentinels", MASTER).count("name") >= 2 for s in cl.sports),
            15, 0.2), "sentinels did not discover each other"
    except BaseException:
        cl.close(keep=True)
        raise
    sentinels = ",".join("127.0.0.1:%d" % p for p in [free_port()] + cl.sports)
    return cl, sentinels


def sentinel_modq(binary, cl, sentinels, extra=None, name="modq"):
    env = {"MODQ_REDIS_SENTINELS": sentinels, "MODQ_REDIS_MASTER": MASTER,
           "MODQ_THRESHOLD_REJECT": "1.0", "MODQ_REDIS_TIMEOUT_MS": "300",
           "MODQ_LOG_LEVEL": "info"}
    env.update(extra or {})
    m = Modq(binary, cl.tmp, 1, env, name=name).start()  # redis_url's port 1 is never used
    assert until(lambda: m.request("GET", "/readyz", key=None).status == 200, 10)
    return m


def stop_clean(m):
    rc = m.stop()
    assert rc == 0, "modq exit code %r on SIGTERM\n%s" % (rc, m.log()[-3000:])
    found = m.sanitizer_findings()
    assert not found, "sanitizer: %s\n%s" % (found, m.log()[-6000:])


def test_killed_primary_fails_over_without_losing_a_comment(binary):
    cl, sentinels = watched_cluster()
    m = None
    ok = False
    try:
        m = sentinel_modq(binary, cl, sentinels)
        r = m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE)
        assert r.status == 201, r
        assert cli(cl.ports["p"], "EXISTS", "modq:{%s}:article:a1" % SITE) == "1"

        load = Load(m, "k").start()
        assert until(lambda: load.count() >= 120, 20), "load did not start"
        t_kill = time.time()
        cl.kill("p")
        new = until(lambda: cl.primary() == cl.ports["r"], FAILOVER_BOUND_S, 0.2)
        t_elect = time.time()
        assert new, "no failover within %ds" % FAILOVER_BOUND_S
        # keep posting until modq has written to the new primary for a while
        n_at_elect = load.count()
        assert until(lambda: load.count() >= n_at_elect + 150, 20), "load stalled after failover"
        load.finish()
        assert until(lambda: drained(m), 15), "spool did not drain into the new primary"
        assert cli(cl.ports["r"], "ROLE").split()[0] == "master"
        during = [a for a in load.answers if t_kill <= a[3] <= t_elect]
        spooled, replayed = metric(m, "modq_spooled_total"), metric(m, "modq_replayed_total")
        npend, found, lost = check_queue(cl.ports["r"], load.answers)
        print("    sentinel kill -9: %d answered (%d errors), %d while no primary "
              "(failover %.1fs), spooled %d, replayed %d; pending answered %d, "
              "queued on new primary %d, lost %d"
              % (len(load.answers), len(load.errors), len(during), t_elect - t_kill,
                 spooled, replayed, npend, found, len(lost)))
        assert not load.errors, load.errors[:5]
        assert len(during) > 0 and spooled > 0, "no request during the outage"
        assert not lost, lost[:20]
        stop_clean(m)
        ok = True
    finally:
        if m is not None and m.proc is not None:
            m.stop(signal.SIGKILL, timeout=5)
        cl.close(keep=not ok)   # a failure leaves the logs in the temp dir


def test_switchover_with_wait_replicas_loses_nothing(binary):
    """A manual SENTINEL FAILOVER hands the primary's role to the replica
    under load. The demoted node stays writable until the sentinels
    reconfigure it, and its resync then discards what it took meanwhile
    (Sentinel's own window). A modq with redis_wait_replicas=1 trusts a
    comment write only once a replica acknowledged it (WAIT in the same
    round trip): writes the demoted node took are not acknowledged, go to
    the spool and are replayed onto the new primary -- so nothing may be
    lost, neither before the switch nor inside its window."""
    cl, sentinels = watched_cluster()
    m = None
    ok = False
    try:
        m = sentinel_modq(binary, cl, sentinels, {"MODQ_REDIS_WAIT_REPLICAS": "1",
                                                   "MODQ_REDIS_WAIT_TIMEOUT_MS": "100"},
                          name="modq-wait")
        load2 = Load(m, "f").start()
        assert until(lambda: load2.count() >= 60, 20)
        t_failover = time.time()

        def failover():
            nonlocal t_failover
            t_failover = time.time()
            # the last sentinel leads: the others learn from it later
            return cli(cl.sports[-1], "SENTINEL", "FAILOVER", MASTER) == "OK"
        assert until(failover, FAILOVER_BOUND_S, 0.5), "SENTINEL FAILOVER was refused"
        assert until(lambda: cl.primary() == cl.ports["r"] and
                     cli(cl.ports["r"], "ROLE").split()[0] == "master", FAILOVER_BOUND_S, 0.2)
        t_announced = time.time()
        n_at_switch = load2.count()
        # the demoted node must come back as a replica of the new primary
        # (sentinels reconfigure it) for acknowledged writes to resume
        assert until(lambda: "master_link_status:up" in
                     cli(cl.ports["p"], "INFO", "replication"), 30, 0.2), \
            "demoted primary did not rejoin as a replica"
        assert until(lambda: load2.count() >= n_at_switch + 100 and
                     time.time() > t_announced + 3.0, 30), "load stalled after switch"
        load2.finish()
        assert until(lambda: drained(m), 30), "spool did not drain after switchover"
        log = m.log()
        assert "moved from" in log, "modq did not notice the switchover"
        npend2, found2, lost2 = check_queue(cl.ports["r"], load2.answers)
        in_window = [a for a in load2.answers if t_failover <= a[3] <= t_announced + 1.0]
        print("    sentinel switchover (redis_wait_replicas=1): %d answered (%d errors), "
              "%d inside the %.1fs switch window; spooled %d, replayed %d; pending "
              "answered %d, on new primary %d, lost %d"
              % (len(load2.answers), len(load2.errors), len(in_window),
                 t_announced + 1.0 - t_failover, metric(m, "modq_spooled_total"),
                 metric(m, "modq_replayed_total"), npend2, found2, len(lost2)))
        assert not load2.errors, load2.errors[:5]
        assert not lost2, lost2[:20]
        last = load2.answers[-1][0]
        assert cli(cl.ports["r"], "EXISTS", "modq:{%s}:comment:%s" % (SITE, last)) == "1"
        stop_clean(m)
        ok = True
    finally:
        if m is not None and m.proc is not None:
            m.stop(signal.SIGKILL, timeout=5)
        cl.close(keep=not ok)


def test_readonly_node_is_dropped(binary):
    """A primary that turns into a replica under modq's open connections
    answers writes with READONLY: modq must drop the connection, spool the
    comment (still answering), and deliver it once the node is writable."""
    cl = Cluster()
    m = None
    ok = False
    try:
        cl.start_redis("p")
        cl.start_redis("r", replicaof=cl.ports["p"])
        assert until(lambda: "master_link_status:up" in cli(cl.ports["r"], "INFO", "replication"),
                     10), "replica did not sync"
        m = Modq(binary, cl.tmp, cl.ports["p"], {"MODQ_THRESHOLD_REJECT": "1.0"}).start()
        body = {"article_id": "a1", "text": SPAM, "author": {"name": "promo"}}
        r = m.request("POST", "/v1/sites/%s/comments" % SITE, dict(body, id="ro-0"))
        assert r.status == 201 and r.json["status"] == "pending", r
        # swap roles behind modq's back: p becomes a replica of r (once r
        # has ro-0, or p's resync from r would drop it)
        assert until(lambda: cli(cl.ports["r"], "ZSCORE", "modq:{%s}:pending" % SITE, "ro-0"),
                     10), "ro-0 did not reach the replica"
        assert cli(cl.ports["r"], "REPLICAOF", "NO", "ONE") == "OK"
        assert cli(cl.ports["p"], "REPLICAOF", "127.0.0.1", cl.ports["r"]) == "OK"
        assert until(lambda: "master_link_status:up" in cli(cl.ports["p"], "INFO", "replication"),
                     10), "p did not become a replica"
        for i in range(1, 4):
            r = m.request("POST", "/v1/sites/%s/comments" % SITE,
                          dict(body, id="ro-%d" % i, text=SPAM + " %d" % i))
            assert r.status == 201 and r.json["status"] == "pending", r
        assert "READONLY" in m.log(), m.log()[-2000:]
        assert metric(m, "modq_spooled_total") >= 3
        assert m.request("GET", "/readyz", key=None).json["spool"]["pending"] >= 3
        # p is writable again: the spool drains into it
        assert cli(cl.ports["p"], "REPLICAOF", "NO", "ONE") == "OK"
        assert until(lambda: drained(m), 10), "spool did not drain"
        queued = cli(cl.ports["p"], "ZRANGE", "modq:{%s}:pending" % SITE, 0, -1).split()
        assert sorted(queued) == ["ro-0", "ro-1", "ro-2", "ro-3"], queued
        print("    readonly: 3 comments answered while the node was a replica, all 4 "
              "queued once it was writable again")
        rc = m.stop()
        assert rc == 0, "modq exit code %r on SIGTERM\n%s" % (rc, m.log()[-3000:])
        found = m.sanitizer_findings()
        assert not found, "sanitizer: %s\n%s" % (found, m.log()[-6000:])
        ok = True
    finally:
        if m is not None and m.proc is not None:
            m.stop(signal.SIGKILL, timeout=5)
        cl.close(keep=not ok)


def test_sentinel_config_errors(binary):
    """A bad sentinel setting stops modq at start with the key's name."""
    tmp = tempfile.mkdtemp(prefix="modq-sentinel-cfg-")
    try:
        for sentinels, master, key in (("foo", "mymaster", "redis_sentinels"),
                                       ("127.0.0.1:0", "mymaster", "redis_sentinels"),
                                       ("127.0.0.1:26379,h:99999", "mymaster", "redis_sentinels"),
                                       (" , ", "mymaster", "redis_sentinels"),
                                       ("127.0.0.1:26379", "", "redis_master")):
            env = dict(os.environ, MODQ_REDIS_SENTINELS=sentinels, MODQ_REDIS_MASTER=master,
                       MODQ_CLIENT_KEYS="test-client-key-0123456789",
                       MODQ_SPOOL_DIR=os.path.join(tmp, "spool"),
                       MODQ_LISTEN="127.0.0.1:%d" % free_port())
            out = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=20)
            assert out.returncode != 0, (sentinels, master, out.stderr)
            assert "config: %s" % key in out.stderr, (sentinels, master, out.stderr)
            assert "Sanitizer" not in out.stderr and "runtime error" not in out.stderr, out.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
