"""test_cluster.py - modq on a Redis Cluster (3 primaries, 3 replicas on
loopback), given only the seed nodes (MODQ_REDIS_CLUSTER).

Three sites are chosen so that the slots of their {site} hash tags are
served by three different primaries (asked with CLUSTER KEYSLOT and the
cluster's own slot table). Each has a verdict webhook, registers an
article and takes an on-topic comment and a spam one (held for review,
MODQ_THRESHOLD_REJECT=1.0): every answer comes from the cluster, not the
spool (/readyz: ready, spool.pending 0), every record sits on its site's
primary (EXISTS on that node), and the comments and each site's queue
read back as posted; the views across sites gather from all three
primaries: the review, its stats, the queue-depth gauge, the webhook
sender (every verdict delivered) and the audit log (a decision per site).
The global indexes (modq:sites, modq:webhook:sites) sit on their own
slots' nodes. Then one site's slot is moved to another primary (CLUSTER
SETSLOT IMPORTING / MIGRATING, MIGRATE of its keys, SETSLOT NODE): modq
still holds the old map, is answered MOVED, and must follow it -- the
pipelined comment lane sends the request again to the new primary, the
comment is stored there and answered from the cluster, and the old
records still read back. A primary killed with -9 under pipelined load
(its replica promoted by the cluster): the lane's connection to it fails
what it had in flight (logged), modq answers every request, spools while
the slot has no primary, finds the promoted replica through the slot map
and replays the spool there once the old primary is back as the new
one's replica (with redis_wait_replicas 1 a write counts only once a
replica has it); every comment answered "pending" is in its site's queue
exactly once (lost 0, doubled 0: counted and printed). A site's slot
moved to another primary and back under pipelined load: the lanes follow
ASK while its keys migrate, TRYAGAIN while a request's keys are split,
MOVED after -- nothing is lost or doubled, and every comment's stored
record has the status its answer promised.
"""
import random
import threading
import time

from harness import MOD_KEY, Env
from test_webhook import Receiver, register

ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision while some shop owners worry "
                   "about deliveries."}
ON_TOPIC = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
            "the council made the right decision, though shop owners need a plan for deliveries.")
ON_TOPIC_2 = ("The new lanes on Main Street will make my ride to work safer, and the council "
              "should talk to shop owners about delivery times before construction starts.")
SPAM = ("CHECK OUT MY CHANNEL!!! subscribe subscribe subscribe http://bit.ly/xx1 "
        "http://cheap-pills.example/buy http://win-money.example earn $500 a day")
ENV = {"MODQ_THRESHOLD_REJECT": "1.0"}
# on-topic sentences: three of them make a comment the load posts, far
# enough from the others not to count as a near-duplicate (most approved)
HAM_SENTENCES = [
    "The protected lanes on Main Street will make my ride to work much safer.",
    "Shop owners deserve a clear plan for deliveries before construction starts.",
    "Losing parking spaces near the bakery worries some of the small shops.",
    "My children could cycle to school once the lanes are really protected.",
    "The council vote on Tuesday was long overdue for cyclists in this city.",
    "Construction in spring means detours, so the city should announce them early.",
    "Other towns built bicycle lanes and their local shops did fine afterwards.",
    "Delivery vans could use side streets in the morning while the lanes are built.",
    "I hope the junction near the station gets a safe crossing for bikes too.",
    "The budget for the lanes seems small compared to what road repairs cost.",
    "Fewer cars on Main Street would make the whole centre quieter and cleaner.",
    "Cyclists and shop owners should meet with the council before work begins."]


def comment(cid, text, name="Ann"):
    return {"id": cid, "article_id": "a1", "text": text, "author": {"name": name}}


def spread_sites(cluster):
    """One site per primary: {port: site}, the slot of "{site}" served there."""
    want = set(cluster.primaries())
    out = {}
    for i in range(200):
        site = "site%d" % i
        port = cluster.owner(cluster.keyslot("{%s}" % site))
        if port in want and port not in out:
            out[port] = site
        if len(out) == len(want):
            return out
    raise AssertionError("no site for some primary: %r" % out)


def exists(cluster, port, key):
    return cluster.node(port).cli("EXISTS", key) == "1"


def ready_and_unspooled(m):
    r = m.request("GET", "/readyz", key=None)
    assert r.status == 200 and r.json["status"] == "ready" and r.json["spool"]["pending"] == 0, r


def post_site(m, site, n):
    """Article a1, an approved comment ok<n> and a held one spam<n>."""
    r = m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE)
    assert r.status in (200, 201), r
    r = m.request("POST", "/v1/sites/%s/comments" % site, comment("ok%d" % n, ON_TOPIC))
    assert r.status == 201 and r.json["status"] == "approved", r
    r = m.request("POST", "/v1/sites/%s/comments" % site, comment("spam%d" % n, SPAM, "promo"))
    assert r.status == 201 and r.json["status"] == "pending", r


def node_id(cluster, port):
    return cluster.node(port).cli("CLUSTER", "MYID")


def move_slot(cluster, slot, src, dst):
    """Move slot from primary src to primary dst, keys and all, the way
    redis-cli --cluster reshard does."""
    sid, did = node_id(cluster, src), node_id(cluster, dst)
    assert cluster.node(dst).cli("CLUSTER", "SETSLOT", slot, "IMPORTING", sid) == "OK"
    assert cluster.node(src).cli("CLUSTER", "SETSLOT", slot, "MIGRATING", did) == "OK"
    while True:
        keys = cluster.node(src).cli("CLUSTER", "GETKEYSINSLOT", slot, 100).split()
        if not keys:
            break
        out = cluster.node(src).cli("MIGRATE", "127.0.0.1", dst, "", 0, 5000, "KEYS", *keys)
        assert out == "OK", out
    for port in cluster.primaries():
        assert cluster.node(port).cli("CLUSTER", "SETSLOT", slot, "NODE", did) == "OK"
    end = time.time() + 10
    while time.time() < end and cluster.owner(slot) != dst:
        time.sleep(0.05)
    assert cluster.owner(slot) == dst


def test_cluster_sites_on_every_primary(binary):
    rcv = Receiver().start()
    try:
        with Env(binary, ENV, cluster=True) as env:
            check_sites_on_every_primary(env, rcv)
    finally:
        rcv.stop()


def check_sites_on_every_primary(env, rcv):
    """The checks of test_cluster_sites_on_every_primary (rcv: the sites' webhook
    receiver)."""
    m, cl = env.modq, env.cluster
    sites = spread_sites(cl)
    assert len(sites) == 3 and len(set(sites.values())) == 3
    for site in sites.values():
        assert register(m, site, rcv.url, ["verdict"]).status == 201
    for n, (port, site) in enumerate(sorted(sites.items())):
        post_site(m, site, n)
    ready_and_unspooled(m)
    metrics = m.request("GET", "/metrics", key=None).raw.decode()
    assert "modq_redis_cluster_primaries 3\n" in metrics, metrics
    assert "modq_redis_cluster_slots 16384\n" in metrics, metrics
    assert "modq_redis_cluster_redirects_total 0\n" in metrics, metrics
    for n, (port, site) in enumerate(sorted(sites.items())):
        for cid in ("ok%d" % n, "spam%d" % n):
            key = "modq:{%s}:comment:%s" % (site, cid)
            assert exists(cl, port, key), (site, port, key)
            r = m.request("GET", "/v1/sites/%s/comments/%s" % (site, cid))
            assert r.status == 200 and r.json["id"] == cid, r
        assert exists(cl, port, "modq:{%s}:article:a1" % site)
        assert m.queue(site) == ["spam%d" % n], (site, m.queue(site))
    # the global index on its own slot's node, with every site that
    # queued an item
    owner = cl.owner(cl.keyslot("modq:sites"))
    members = set(cl.node(owner).cli("SMEMBERS", "modq:sites").split())
    assert members == set(sites.values()), members
    # the review across sites gathers every site's queue
    every = m.request("GET", "/v1/review", key=MOD_KEY)
    assert every.status == 200, every
    got = sorted((i["site"], i["id"]) for i in every.json["items"])
    want = sorted((site, "spam%d" % n) for n, (_, site) in enumerate(sorted(sites.items())))
    assert got == want, got
    # ... and so do its stats and the queue-depth gauge
    st = m.request("GET", "/v1/review/stats", key=MOD_KEY).json
    assert {s: v["pending"] for s, v in st["sites"].items()} == \
        {site: 1 for site in sites.values()}, st
    assert st["total"]["pending"] == 3, st
    metrics = m.request("GET", "/metrics", key=None).raw.decode()
    assert "modq_review_queue_depth 3\n" in metrics, metrics
    # the webhook sender walks modq:webhook:sites (on its own slot's
    # node) and delivers every site's verdicts from its own primary
    owner = cl.owner(cl.keyslot("modq:webhook:sites"))
    members = set(cl.node(owner).cli("SMEMBERS", "modq:webhook:sites").split())
    assert members == set(sites.values()), members
    got = rcv.wait(6, 20)
    assert sorted((d["json"]["site"], d["json"]["comment"]["id"]) for d in got) == sorted(
        (site, cid % n) for n, (_, site) in enumerate(sorted(sites.items()))
        for cid in ("ok%d", "spam%d")), [d["json"] for d in got]
    assert all(d["ok"] and d["headers"]["x-modq-event"] == "verdict" for d in got)
    # a decision on every site: the audit log across sites has all three
    for n, (_, site) in enumerate(sorted(sites.items())):
        r = m.request("POST", "/v1/sites/%s/comments/spam%d/decision" % (site, n),
                      {"decision": "reject", "moderator": "mia"}, key=MOD_KEY)
        assert r.status == 200 and r.json["status"] == "rejected", r
    au = m.request("GET", "/v1/audit", key=MOD_KEY)
    assert au.status == 200, au
    got = sorted((e["site"], e["comment_id"], e["decision"]) for e in au.json["entries"])
    assert got == sorted((site, "spam%d" % n, "reject")
                         for n, (_, site) in enumerate(sorted(sites.items()))), got
    st = m.request("GET", "/v1/review/stats", key=MOD_KEY).json
    assert st["total"]["pending"] == 0, st
    assert all(v["decisions_last_hour"] == 1 for v in st["sites"].values()), st


def test_cluster_readiness_needs_every_slot(binary):
    with Env(binary, ENV, cluster=True) as env:
        m, cl = env.modq, env.cluster
        r = m.request("GET", "/readyz", key=None)
        assert r.status == 200 and r.json["status"] == "ready" and r.json["redis"] == "up", r
        # a slot no primary serves: Redis counts as down (comments spool),
        # the reason says how many slots are served
        slot = cl.keyslot("{gone}")
        for port in cl.primaries():
            cl.node(port).cli("CLUSTER", "DELSLOTS", slot)
        end = time.time() + 10
        while time.time() < end:
            r = m.request("GET", "/readyz", key=None)
            if r.json["redis"] == "down":
                break
            time.sleep(0.1)
        assert r.json["redis"] == "down" and r.json["status"] == "degraded", r
        assert r.json["reason"] == "redis cluster: 16383 of 16384 slots served", r
        # the slot back on its primary: ready again
        owner = sorted(cl.primaries())[0]
        assert cl.node(owner).cli("CLUSTER", "ADDSLOTS", slot) == "OK"
        end = time.time() + 10
        while time.time() < end:
            r = m.request("GET", "/readyz", key=None)
            if r.json["status"] == "ready":
                break
            time.sleep(0.1)
        assert r.status == 200 and r.json["status"] == "ready", r


def test_cluster_follows_a_moved_slot(binary):
    with Env(binary, dict(ENV, MODQ_LOG_LEVEL="debug"), cluster=True) as env:
        m, cl = env.modq, env.cluster
        sites = spread_sites(cl)
        src = sorted(sites)[0]
        dst = sorted(sites)[1]
        site = sites[src]
        post_site(m, site, 0)
        slot = cl.keyslot("{%s}" % site)
        assert cl.owner(slot) == src
        move_slot(cl, slot, src, dst)
        assert exists(cl, dst, "modq:{%s}:comment:ok0" % site)
        # modq still maps the slot to src: the next requests get MOVED and
        # must be followed, not spooled (the comment on the pipelined path)
        r = m.request("POST", "/v1/sites/%s/comments" % site, comment("after", ON_TOPIC_2, "Bo"))
        assert r.status == 201 and r.json["status"] == "approved", r
        r = m.request("GET", "/v1/sites/%s/comments/ok0" % site)
        assert r.status == 200 and r.json["status"] == "approved", r
        ready_and_unspooled(m)
        assert exists(cl, dst, "modq:{%s}:comment:after" % site)
        assert m.queue(site) == ["spam0"]
        # it was a redirect that modq followed (logged at debug), the
        # comment's commands sent again to the new primary by its lane
        assert "redis cluster: MOVED %d 127.0.0.1:%d" % (slot, dst) in m.log(), m.log()[-3000:]
        assert " command(s) sent again to 127.0.0.1:%d" % dst in m.log(), m.log()[-3000:]
        # a second move, straight back, on a map modq has just refreshed
        move_slot(cl, slot, dst, src)
        r = m.request("POST", "/v1/sites/%s/comments" % site, comment("spam1", SPAM, "promo"))
        assert r.status == 201 and r.json["status"] == "pending", r
        ready_and_unspooled(m)
        assert exists(cl, src, "modq:{%s}:comment:spam1" % site)
        assert m.queue(site) == ["spam0", "spam1"]
        metrics = m.request("GET", "/metrics", key=None).raw.decode()
        assert "modq_degraded 0" in metrics, metrics
        assert "modq_redis_cluster_primaries 3\n" in metrics, metrics
        assert "modq_redis_cluster_slots 16384\n" in metrics, metrics
        redirects = int(metrics.split("\nmodq_redis_cluster_redirects_total ")[1].split()[0])
        assert redirects >= 2, metrics  # at least one MOVED per move


FAILOVER_LOAD_S = 10   # load phase: the kill at 1.5 s, the promotion within ~4 s
SETTLE_BOUND_S = 40    # spool replayed and every slot served again


class Load:
    """Two threads posting held comments (with mixed=True every other one
    on topic) to every site until `seconds` have passed: status[(site, id)]
    = the status each answer promises once settled (a provisional answer,
    spooled, settles to its auto_status), answered[site] = the ids of
    those "pending", errors = anything but a 201."""

    def __init__(self, m, sites, seconds, prefix, mixed=False):
        self.m, self.sites, self.prefix, self.mixed = m, list(sites), prefix, mixed
        self.lock = threading.Lock()
        self.answered = {site: [] for site in self.sites}
        self.status = {}
        self.errors = []
        self.stop = time.time() + seconds
        self.threads = [threading.Thread(target=self.run, args=(k,)) for k in range(2)]
        for t in self.threads:
            t.start()

    def run(self, k):
        i = 0
        while time.time() < self.stop:
            for site in self.sites:
                cid = "%s%d-%d" % (self.prefix, k, i)
                if self.mixed and i % 2:
                    text = " ".join(random.Random(k * 100003 + i).sample(HAM_SENTENCES, 3))
                    body = comment(cid, text, "Reader%d-%d" % (k, i))
                else:
                    body = comment(cid, "%s offer %d-%d" % (SPAM, k, i), "promo")
                try:
                    r = self.m.request("POST", "/v1/sites/%s/comments" % site, body, timeout=20)
                except OSError as e:
                    self.errors.append((site, cid, repr(e)))
                    continue
                if r.status != 201:
                    self.errors.append((site, cid, r.status))
                    continue
                st = r.json["auto_status"] if r.json.get("provisional") else r.json["status"]
                with self.lock:
                    self.status[(site, cid)] = st
                    if st == "pending":
                        self.answered[site].append(cid)
            i += 1

    def join(self):
        for t in self.threads:
            t.join()
        assert not self.errors, self.errors[:10]


def settle(m):
    """Wait until modq is ready with an empty spool."""
    end = time.time() + SETTLE_BOUND_S
    while time.time() < end:
        r = m.request("GET", "/readyz", key=None)
        if r.json["status"] == "ready" and r.json["spool"]["pending"] == 0:
            return
        time.sleep(0.2)
    raise AssertionError((r, m.log()[-4000:]))


def count(m, answered, what):
    """Compare every site's queue with the ids answered pending (settled);
    prints and returns (answered, spooled, lost, doubled)."""
    metrics = m.request("GET", "/metrics", key=None).raw.decode()
    spooled = int(metrics.split("\nmodq_spooled_total ")[1].split()[0])
    total = stored = lost = doubled = 0
    for site, ids in answered.items():
        queue = m.queue(site)
        total += len(ids)
        stored += len(set(queue))
        lost += len(set(ids) - set(queue))
        doubled += len(queue) - len(set(queue))
        assert set(queue) == set(ids), (site, sorted(set(ids) ^ set(queue))[:10])
    print("  cluster %s: %d answered pending, %d stored in the queues, %d spooled, "
          "lost %d, doubled %d" % (what, total, stored, spooled, lost, doubled))
    assert lost == 0 and doubled == 0
    return total, spooled, lost, doubled


def records_match(m, status):
    """Every comment answered is stored with the status its answer promised
    (a request answered twice, or a redirected write applied on two nodes,
    would show here); prints and returns how many."""
    wrong, c = [], m.client()
    for (site, cid), st in sorted(status.items()):
        r = c.request("GET", "/v1/sites/%s/comments/%s" % (site, cid))
        if r.status != 200 or r.json["status"] != st:
            wrong.append((site, cid, st, r.status, r.json))
    counts = {}
    for st in status.values():
        counts[st] = counts.get(st, 0) + 1
    print("  cluster: %d answers, %r, each stored with its status" % (len(status), counts))
    assert not wrong, wrong[:5]
    return len(status)


def test_cluster_primary_killed_under_load(binary):
    env_vars = dict(ENV, MODQ_REDIS_WAIT_REPLICAS="1", MODQ_REDIS_WAIT_TIMEOUT_MS="200",
                    MODQ_LOG_LEVEL="info")
    with Env(binary, env_vars, cluster=True) as env:
        m, cl = env.modq, env.cluster
        sites = spread_sites(cl)
        for site in sites.values():
            r = m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE)
            assert r.status == 201, r
        victim = sorted(sites)[0]
        load = Load(m, sites.values(), FAILOVER_LOAD_S, "f")
        time.sleep(1.5)
        cl.node(victim).stop()   # kill -9
        load.join()
        # the replica took over; the old primary comes back as its replica,
        # so that WAIT 1 can be satisfied again and the spool drains
        end = time.time() + SETTLE_BOUND_S
        while time.time() < end and victim in cl.primaries():
            time.sleep(0.2)
        assert victim not in cl.primaries()
        cl.restart(victim)
        settle(m)
        _, spooled, _, _ = count(m, load.answered, "failover")
        assert spooled > 0   # the kill was felt: the victim's comments waited in the spool
        # on the pipelined path: a lane's connection to the victim failed
        # what it had in flight, or, idle at the kill, was closed as the
        # close arrived (which of the two depends on the instant)
        log = m.log()
        assert ("127.0.0.1:%d: pipelined connection lost with" % victim in log or
                "127.0.0.1:%d: idle connection closed by the server" % victim in log), \
            log[-3000:]


MIGRATE_LOAD_S = 6


def test_cluster_slot_migrated_under_load(binary):
    with Env(binary, dict(ENV, MODQ_LOG_LEVEL="debug"), cluster=True) as env:
        m, cl = env.modq, env.cluster
        sites = spread_sites(cl)
        for site in sites.values():
            r = m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE)
            assert r.status == 201, r
        src, dst = sorted(sites)[:2]
        site = sites[src]
        slot = cl.keyslot("{%s}" % site)
        load = Load(m, sites.values(), MIGRATE_LOAD_S, "g", mixed=True)
        time.sleep(1.0)
        move_slot(cl, slot, src, dst)
        time.sleep(1.0)
        move_slot(cl, slot, dst, src)
        load.join()
        settle(m)
        assert cl.owner(slot) == src
        count(m, load.answered, "migration")
        records_match(m, load.status)
        assert len(load.answered[site]) > 0
        # the lanes followed the redirects, MOVED among them (the map was
        # stale after each move); a request whose keys stayed split between
        # the nodes longer than redis_timeout_ms was spooled and settled
        log = m.log()
        assert "redis cluster: MOVED: " in log and " command(s) sent again to" in log, log[-3000:]
        metrics = m.request("GET", "/metrics", key=None).raw.decode()
        redirects = int(metrics.split("\nmodq_redis_cluster_redirects_total ")[1].split()[0])
        assert redirects > 0, metrics
