"""test_multi.py - two modq processes on one Redis behave as one service.

Whatever one instance learned (a comment, an article, a (site, id)) is seen
by the other through Redis alone: duplicates across instances, articles
registered through the other one, the same comment posted to both at once
(stored and queued once). And the Cluster check: every key a run leaves in
Redis carries its site's {hash tag}, except the global ones.
"""
import json
import os
import re
import subprocess
import threading
import time

from harness import Env

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = json.load(open(os.path.join(HERE, "..", "fixtures", "seed_thread.json")))

SITE = "multi"
SPAM = ("CHECK OUT MY CHANNEL!!! subscribe subscribe subscribe http://bit.ly/xx1 "
        "http://cheap-pills.example/buy http://win-money.example earn $500 a day")
DUP_TEXT = ("The council should publish the leak repair schedule for every district so "
            "residents can see where the water is actually going this summer.")
# Keys that are global by design (each hashes to a slot of its own in a
# Cluster; include/store.h): the indexes of sites with a review queue and of
# sites with a webhook, and the per-IP / per-API-key rate-limit counters,
# which belong to no site. Never used in one command with a site's keys.
GLOBAL_KEYS = {"modq:sites", "modq:webhook:sites"}
GLOBAL_PREFIXES = ("modq:rl:",)
SITE_KEY = re.compile(r"^modq:\{[^}]+\}:")


# Different readers' comments on the seed article (about a peacekeeping
# force for Gaza paid for by the Pentagon): on topic, none a copy of another.
ON_TOPIC = [
    "Who trains the Palestinian-led security force while the peacekeepers hold the line?",
    "Paying for peacekeeping without sending US troops still makes the Pentagon responsible.",
    "A multinational force needs a clear command structure before anyone deploys in Gaza.",
    "The governance question after the war matters more than the funding for the force.",
    "Which partners would actually send soldiers if the US only pays the bills?",
    "Training a local security force takes years; the article is right to stress time.",
    "Peacekeepers without a mandate agreed by every partner will not last long in Gaza.",
    "If the Pentagon funds it, Congress will want a say over who commands the force.",
]


def is_global(k):
    return k in GLOBAL_KEYS or k.startswith(GLOBAL_PREFIXES)


def post(m, cid, text, name="Ann", aid="a1", site=SITE):
    return m.request("POST", "/v1/sites/%s/comments" % site,
                     {"id": cid, "article_id": aid, "text": text, "author": {"name": name}})


def flag(verdict, code):
    found = [f for f in verdict["flags"] if f["code"] == code]
    return found[0] if found else None


def all_keys(port):
    out = subprocess.run(["redis-cli", "-p", str(port), "--scan"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    return [k for k in out.stdout.splitlines() if k]


ENV = {"MODQ_THRESHOLD_REJECT": "1.0"}
ART = SEED["article"]


def post_duplicates(a, b):
    """DUP_TEXT through A (dupA), then through B (dupB); returns B's answer."""
    r = post(a, "dupA", DUP_TEXT, name="Ann", aid="x1")
    assert r.status == 201 and flag(r.json, "duplicate") is None, r
    r = post(b, "dupB", DUP_TEXT, name="Bob", aid="x1")
    assert r.status == 201, r
    return r


def post_near_duplicate(b):
    """DUP_TEXT with two words changed (another exact hash) through B."""
    near = DUP_TEXT.replace("publish", "post").replace("summer", "season")
    r = post(b, "nearB", near, name="Cy", aid="x1")
    assert r.status == 201, r
    return r


def assert_near_copy_of(r, cid):
    """r's verdict flags it a near copy of comment cid, with a sound estimate."""
    d = flag(r.json, "duplicate")
    assert d is not None and d.get("evidence") == cid, r.json
    found = re.search(r"near copy of comment %s \(estimated similarity ([0-9.]+)\)" % cid,
                      d["detail"])
    assert found and 0.5 <= float(found.group(1)) < 1.0, d


def register_article(a):
    r = a.request("PUT", "/v1/sites/%s/articles/%s" % (SITE, ART["id"]),
                  {"title": ART["title"], "body": ART["body"], "tags": ART["tags"]})
    assert r.status == 201, r


def race_same_ids(a, b, n):
    """Posts same0..same<n-1> (spam) to both instances at once, one id at a
    time; asserts one 201 and one 200 with the same pending verdict per id."""
    results = {}

    def send(m, tag, i):
        try:
            results[(tag, i)] = post(m, "same%d" % i, SPAM + " batch %d" % i, name="promo")
        except OSError as e:  # reported below, with the instance's log
            results[(tag, i)] = e

    for i in range(n):
        ts = [threading.Thread(target=send, args=(m, tag, i))
              for tag, m in (("A", a), ("B", b))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    for i in range(n):
        ra, rb = results[("A", i)], results[("B", i)]
        assert not isinstance(ra, OSError), (ra, a.log()[-3000:])
        assert not isinstance(rb, OSError), (rb, b.log()[-3000:])
        assert {ra.status, rb.status} <= {200, 201}, (ra, rb)
        assert sorted((ra.status, rb.status)) == [200, 201], (i, ra, rb)
        assert ra.json["status"] == rb.json["status"] == "pending", (ra.json, rb.json)
        assert ra.json["score"] == rb.json["score"], (ra.json, rb.json)


def race_approved(a, b, texts):
    """Posts ok<i> (on-topic texts under the seed article) to both instances
    at once; returns {text: answered approved}."""
    approved = {}
    for i, text in enumerate(texts):
        results = {}

        def send(m, tag, i=i, text=text):
            try:
                results[tag] = post(m, "ok%d" % i, text, name="reader%d" % i, aid=ART["id"])
            except OSError as e:
                results[tag] = e
        ts = [threading.Thread(target=send, args=(m, tag)) for tag, m in (("A", a), ("B", b))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        ra, rb = results["A"], results["B"]
        assert not isinstance(ra, OSError) and not isinstance(rb, OSError), (ra, rb)
        assert sorted((ra.status, rb.status)) == [200, 201], (i, ra, rb)
        assert ra.json["status"] == rb.json["status"], (ra.json, rb.json)
        approved[text] = ra.json["status"] == "approved"
    return approved


def test_duplicate_posted_to_the_other_instance_is_flagged(binary):
    with Env(binary, ENV, instances=2) as env:
        a, b = env.modqs
        assert a.port != b.port
        d = flag(post_duplicates(a, b).json, "duplicate")
        assert d is not None, d
        assert d.get("evidence") == "dupA" and "dupA" in d["detail"], d


def test_near_duplicate_is_found_through_the_band_keys(binary):
    """Another exact hash: found through the LSH band keys, which name the
    first comment and its exact key, whose value carries its MinHash in
    binary -- the estimate must come out high, not garbage. B read that
    exact key with dupB (its own text's) and holds the signature; A read
    no exact key of these texts and fetches its candidates' in a second
    round trip."""
    with Env(binary, ENV, instances=2) as env:
        a, b = env.modqs
        post_duplicates(a, b)
        near = DUP_TEXT.replace("publish", "post").replace("summer", "season")
        for m, cid, name, seen in ((b, "nearB", "Cy", ("dupA",)),
                                   (a, "nearA", "Dee", ("dupA", "nearB"))):
            r = post(m, cid, near, name=name, aid="x1")
            assert r.status == 201, r
            d = flag(r.json, "duplicate")
            assert d is not None and d.get("evidence") in seen, r.json
            found = re.search(r"near copy of comment (\w+) \(estimated similarity ([0-9.]+)\)",
                              d["detail"])
            assert found and found.group(1) == d["evidence"], d
            assert 0.5 <= float(found.group(2)) < 1.0, d
            near = near.replace("water", "money")  # another text again


# Rewrites the duplicate keys of one comment into the layout before band
# keys held only an id: KEYS[1] its exact key, the rest its band keys. The
# exact value loses its MinHash, each band value becomes
# "id\x1fauthor\x1f<binary MinHash>" (TTLs kept).
OLD_LAYOUT_LUA = """
local x = redis.call('GET', KEYS[1])
local p = string.find(x, '\\31', 1, true)
local id, rest = string.sub(x, 1, p - 1), string.sub(x, p + 1)
local mh, au = string.sub(rest, -128), string.sub(rest, 1, #rest - 129)
redis.call('SET', KEYS[1], id .. '\\31' .. au, 'KEEPTTL')
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], id .. '\\31' .. au .. '\\31' .. mh, 'KEEPTTL')
end
return #KEYS - 1
"""


def test_near_duplicate_of_a_comment_stored_in_the_older_layout_is_found(binary):
    """Band keys written before they held only an id carry the MinHash
    themselves: a near copy of such a comment is still found, with a sound
    estimate."""
    with Env(binary, ENV) as env:
        m = env.modq
        r = post(m, "dupA", DUP_TEXT, name="Ann", aid="x1")
        assert r.status == 201 and flag(r.json, "duplicate") is None, r
        exact = [k for k in all_keys(env.redis.port) if ":dup:x:" in k]
        bands = sorted(k for k in all_keys(env.redis.port) if ":dup:b" in k)
        assert len(exact) == 1 and len(bands) == 8, (exact, bands)
        # the current layout: a band value is the id and the exact hash
        assert env.redis.cli("GET", bands[0]) == "dupA\x1f" + exact[0].rsplit(":", 1)[1]
        assert env.redis.cli("EVAL", OLD_LAYOUT_LUA, 9, exact[0], *bands) == "8"
        assert env.redis.cli("STRLEN", bands[0]) == str(len("dupA") + 1 + len(
            env.redis.cli("GET", exact[0]).split("\x1f", 1)[1]) + 1 + 128)
        assert_near_copy_of(post_near_duplicate(m), "dupA")


def wait_spool_empty(m, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            r = m.request("GET", "/readyz", key=None, timeout=5)
            if r.status == 200 and r.json["redis"] == "up" and r.json["spool"]["pending"] == 0:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("spool not replayed")


def test_near_duplicate_of_a_comment_spooled_while_redis_was_down_is_found(binary):
    """The stored record carries no MinHash (the exact key does): a comment
    spooled during an outage is written from its spool line, which keeps
    the MinHash beside the record, so its exact key holds the real
    signature and a near copy posted after the replay is found, with a
    sound estimate (a signature of zeros would give none)."""
    with Env(binary, dict(ENV, MODQ_REDIS_TIMEOUT_MS="200")) as env:
        m = env.modq
        env.redis.stop()
        r = post(m, "dupS", DUP_TEXT, name="Ann", aid="x1")
        assert r.status == 201 and r.json["provisional"] is True, r.json
        spool = m.env["MODQ_SPOOL_DIR"]
        lines = [ln for f in os.listdir(spool) for ln in open(os.path.join(spool, f), "rb")]
        assert len(lines) == 1 and lines[0].startswith(b"mh:"), lines
        env.redis.start()
        wait_spool_empty(m)
        keys = all_keys(env.redis.port)
        rec = env.redis.cli("GET", "modq:{%s}:comment:dupS" % SITE)
        assert rec.startswith("{") and '"bd"' in rec and '"mh"' not in rec, rec[:200]
        exact = [k for k in keys if ":dup:x:" in k]
        assert len(exact) == 1 and len([k for k in keys if ":dup:b" in k]) == 8, keys
        # "dupS\x1f<author key>\x1f" + 128 bytes of MinHash, not zeros
        assert env.redis.cli("EVAL", "local v = redis.call('GET', KEYS[1]) "
                             "return string.find(string.sub(v, -128), '[^%z]') ~= nil "
                             "and 1 or 0", 1, exact[0]) == "1"
        assert_near_copy_of(post_near_duplicate(m), "dupS")


def test_article_registered_through_one_instance_serves_the_other(binary):
    with Env(binary, ENV, instances=2) as env:
        a, b = env.modqs
        own = SEED["on_topic"]
        copy = [c for c in SEED["comments"] if c["id"] == "3"][0]
        r = post(b, "before", own["text"], aid=ART["id"])
        assert r.status == 201 and "relevance" not in r.json, r.json  # B knows no article yet
        register_article(a)
        r = post(b, "own1", own["text"], aid=ART["id"], name=own["author"]["name"])
        assert r.status == 201 and 0 <= r.json.get("relevance", -1) <= 1, r.json
        assert r.json["relevance"] > 0, r.json
        r = post(b, "copy1", copy["text"], aid=ART["id"], name="Copycat")
        assert r.status == 201, r
        assert flag(r.json, "copied_from_article") is not None, r.json
        # and B's stored comment is readable through A
        r = a.request("GET", "/v1/sites/%s/comments/copy1" % SITE)
        assert r.status == 200 and r.json["id"] == "copy1", r


def test_same_id_posted_to_both_instances_is_stored_and_counted_once(binary):
    n = 20
    with Env(binary, ENV, instances=2) as env:
        a, b = env.modqs
        race_same_ids(a, b, n)
        pending = env.redis.cli("ZRANGE", "modq:{%s}:pending" % SITE, 0, -1).split()
        same = [p for p in pending if p.startswith("same")]
        assert sorted(same) == sorted("same%d" % i for i in range(n)), same
        assert len(same) == len(set(same)) == n
        stored = [k for k in all_keys(env.redis.port)
                  if k.startswith("modq:{%s}:comment:same" % SITE)]
        assert len(stored) == n, stored
        # counted once too: the loser of each race wrote nothing (its write
        # transaction aborted on the WATCHed record), so the author's flood
        # counter holds one per id, not two
        flood = [k for k in all_keys(env.redis.port)
                 if k.startswith("modq:{%s}:flood:a:promo" % SITE)]
        assert len(flood) == 1, flood
        assert env.redis.cli("GET", flood[0]).strip() == str(n), env.redis.cli("GET", flood[0])
        print("    multi: %d ids posted to both instances at once: %d created once, "
              "%d queued once, flood counter %d" % (n, n, len(same), n))


def test_same_approved_id_raced_joins_the_thread_once(binary):
    with Env(binary, ENV, instances=2) as env:
        a, b = env.modqs
        register_article(a)
        approved = race_approved(a, b, ON_TOPIC)
        assert sum(approved.values()) >= 6, approved
        thread = env.redis.cli("LRANGE", "modq:{%s}:thread:%s" % (SITE, ART["id"]), 0, -1)
        for text, ok in approved.items():
            assert thread.count(text) == (1 if ok else 0), (text, thread)


def test_every_site_key_carries_the_site_hash_tag(binary):
    """Cluster readiness, over the keys all of the above leave behind."""
    with Env(binary, ENV, instances=2) as env:
        a, b = env.modqs
        post_duplicates(a, b)
        post_near_duplicate(b)
        register_article(a)
        race_same_ids(a, b, 20)
        race_approved(a, b, ON_TOPIC)
        keys = all_keys(env.redis.port)
        assert len(keys) > 10, keys
        bad = [k for k in keys if not is_global(k) and not SITE_KEY.match(k)]
        assert not bad, bad
        tags = {SITE_KEY.match(k).group(0) for k in keys if not is_global(k)}
        assert tags == {"modq:{%s}:" % SITE}, tags
        print("    multi: %d keys scanned, all but %s carry the {site} tag"
              % (len(keys), sorted(k for k in keys if is_global(k))))
