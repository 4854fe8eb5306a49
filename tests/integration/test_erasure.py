"""test_erasure.py - erasure of a comment and of an author, article deletion
and the comment listing, against the real binary and a real redis-server.

The erasure tests read back EVERY key of the site with redis-cli (--scan,
then the type's own read: GET, HGETALL, LRANGE, ZRANGE, SMEMBERS, XRANGE)
and look for the erased text and the author's name, e-mail and IP in the
key names and the values."""
import subprocess
import threading
import time

from harness import CLIENT_KEY, Env
from test_review import LOW, decide
from test_webhook import Receiver, register, wait_outbox

SITE = "s1"
ARTICLE = {"title": "City council approves protected bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision while shop owners worry about "
                   "deliveries.", "url": "https://news.example/bike-lanes", "tags": ["cycling"]}
# Zelda's comments: approved (on topic), pending (a link), rejected (banned)
ZELDA = {"name": "Zelda Quux", "email": "Zelda.Quux@example.org", "ip": "203.0.113.77"}
Z_TEXTS = {
    "approved": "Protected bicycle lanes on Main Street are overdue; Wednesday I counted "
                "forty cyclists and the council decision is right for shop deliveries too.",
    "pending": "Cheap bicycle lanes offer, see http://promo-zq.example/deal for the details",
    "rejected": "zorglub zorglub on Main Street bicycle lanes, says the neighbour next door",
}
# someone else's comment, which must survive
BOB = {"name": "Bob Other", "email": "bob.other@example.net", "ip": "198.51.100.9"}
B_TEXT = ("The council should also paint the bicycle lanes on Main Street green so that "
          "drivers see them at night and shop owners get loading bays.")
ENV = dict(LOW, MODQ_WEBHOOK_MAX_ATTEMPTS="1")


def post(m, cid, text, author, aid="a1"):
    r = m.request("POST", "/v1/sites/%s/comments" % SITE,
                  {"id": cid, "article_id": aid, "text": text, "author": author})
    assert r.status == 201, r
    return r.json


def cli(redis, *args):
    """redis-cli's output, bytes as Latin-1 (MinHash values are binary)."""
    return subprocess.run(["redis-cli", "-p", str(redis.port), "--no-raw"] + list(args),
                          capture_output=True, check=True, timeout=30).stdout.decode("latin-1")


def site_dump(redis, site=SITE):
    """{key: its DUMP and its content as redis-cli prints it} for every key
    of the site and every global key."""
    out = {}
    for k in cli(redis, "--scan", "--pattern", "*").split("\n"):
        k = k.strip().strip('"')
        if not k or ("{%s}" % site not in k and "{" in k):
            continue
        t = cli(redis, "TYPE", k).strip()
        read = {"string": ("GET",), "hash": ("HGETALL",), "list": ("LRANGE", "0", "-1"),
                "zset": ("ZRANGE", "0", "-1", "WITHSCORES"), "set": ("SMEMBERS",),
                "stream": ("XRANGE", "-", "+")}[t]
        out[k] = cli(redis, "DUMP", k) + cli(redis, read[0], k, *read[1:])
    return out


def traces(dump, needles):
    """The (key, needle) pairs where a needle shows in a key name or value."""
    return [(k, n) for k, v in dump.items() for n in needles
            if n.lower() in k.lower() or n.lower() in v.lower()]


def personal(author, texts):
    return list(texts) + [author["name"], author["email"], author["ip"]]


def seed(env, rcv):
    """Zelda's three comments (one approved and learned as ham, its verdict
    and decision webhooks dead), Bob's one; returns Zelda's ids by status."""
    m = env.modq
    assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
    assert register(m, SITE, rcv.url, ["verdict", "decision"]).status == 201
    ids = {}
    for st, text in Z_TEXTS.items():
        cid = "z-" + st
        assert post(m, cid, text, ZELDA)["status"] == st, st
        ids[st] = cid
    assert post(m, "b-1", B_TEXT, BOB)["status"] == "approved"
    # the pending one approved by a moderator would leave the queue: decide
    # the approved one again instead (a learned label, a decision event)
    assert decide(m, SITE, ids["approved"], "approve").status == 200
    ob = wait_outbox(m, SITE, lambda o: o["dead"] >= 5 and o["pending"] == 0
                     and o["in_flight"] == 0, 20)
    assert ob["dead"] >= 5, ob
    return ids


def test_deleted_comment_leaves_no_trace_of_text_or_author(binary):
    rcv = Receiver(statuses=[503] * 100).start()
    try:
        with Env(binary, ENV) as env:
            m = env.modq
            ids = seed(env, rcv)
            before = site_dump(env.redis)
            zid = ids["approved"]
            # the traces exist before: the check below could fail
            def part(k):
                return k.split("}:")[1].split(":")[0]
            found = {part(k) for k, _ in traces(before, personal(ZELDA, [Z_TEXTS["approved"]]))}
            assert {"comment", "thread", "dup", "flood", "wh"} <= found, sorted(found)
            named = {part(k) for k, v in before.items() if zid in k or zid in v}
            assert {"learned", "list", "idz", "author_log", "approved", "byscore",
                    "rep"} - named == {"rep"}, sorted(named)
            assert "a:" in before["modq:{%s}:rep:ham" % SITE]
            assert m.request("DELETE", "/v1/sites/%s/comments/%s" % (SITE, zid)).status == 204
            assert m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, zid)).status == 404
            assert m.request("DELETE", "/v1/sites/%s/comments/%s" % (SITE, zid)).status == 404
            after = site_dump(env.redis)
            # Zelda's other comments still carry her name: look for the text
            # and for the id; her identity goes with the erasure below
            assert traces(after, [Z_TEXTS["approved"]]) == []
            assert [k for k, v in after.items() if zid in k or
                    (zid in v and "audit" not in k)] == []
            # Bob's comment, queue entries and thread entry stay
            assert m.request("GET", "/v1/sites/%s/comments/b-1" % SITE).status == 200
            assert B_TEXT in after["modq:{%s}:thread:a1" % SITE]
            assert m.queue(SITE) == [ids["pending"]]
            # one audit entry, without personal data
            audit = after["modq:{%s}:audit" % SITE]
            assert audit.count('"erased"') == 1
            last = env.redis.cli("XREVRANGE", "modq:{%s}:audit" % SITE, "+", "-", "COUNT", "1")
            f = last.split("\n")[1:]
            entry = dict(zip(f[0::2], f[1::2]))
            assert entry["event"] == "erased" and entry["comment_id"] == zid, entry
            assert entry["actor"] == "client" and len(entry["key_id"]) == 16, entry
            assert abs(int(entry["at_ms"]) / 1000 - time.time()) < 60, entry
            assert sorted(entry) == ["actor", "at_ms", "comment_id", "event", "key_id"]
            assert traces({"audit": audit}, personal(ZELDA, Z_TEXTS.values())) == []
            # and the erasure of the author takes the rest
            r = m.request("POST", "/v1/sites/%s/erasure" % SITE,
                          {"author": {"email": ZELDA["email"].upper()}})
            assert r.status == 200 and r.json == {"erased": 2}, r
            gone = site_dump(env.redis)
            assert traces(gone, personal(ZELDA, Z_TEXTS.values())) == []
            assert m.queue(SITE) == []
            assert m.queue(SITE, status="rejected") == []
            assert m.request("GET", "/v1/sites/%s/comments/b-1" % SITE).status == 200
            assert traces(gone, [B_TEXT, BOB["email"]]) != []
    finally:
        rcv.stop()


def test_erasure_by_email_name_or_ip_takes_every_comment_and_reputation(binary):
    with Env(binary, LOW) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
        for st, text in Z_TEXTS.items():
            post(m, "z-" + st, text, ZELDA)
        post(m, "b-1", B_TEXT, BOB)
        assert decide(m, SITE, "z-pending", "reject").status == 200  # learned as spam
        rep = env.redis.cli("HGETALL", "modq:{%s}:rep:spam" % SITE)
        assert rep.count("a:") == 1 and rep.count("i:") == 1, rep  # Zelda's fields
        r = m.request("POST", "/v1/sites/%s/erasure" % SITE, {"author": {"email": ZELDA["email"]}})
        assert r.status == 200 and r.json == {"erased": 3}, r
        dump = site_dump(env.redis)
        assert traces(dump, personal(ZELDA, Z_TEXTS.values())) == []
        assert "a:" not in dump.get("modq:{%s}:rep:spam" % SITE, "")
        assert "i:" not in dump.get("modq:{%s}:rep:spam" % SITE, "")
        assert [k for k in dump if ":flood:" in k and "bob" not in k
                and BOB["ip"] not in k] == []
        r = m.request("POST", "/v1/sites/%s/erasure" % SITE, {"author": {"email": ZELDA["email"]}})
        assert r.status == 200 and r.json == {"erased": 0}, r
        # by name and by IP: each finds Bob's one comment
        post(m, "b-2", B_TEXT + " Again.", BOB, aid="a2")
        r = m.request("POST", "/v1/sites/%s/erasure" % SITE, {"author": {"name": "bob other"}})
        assert r.status == 200 and r.json == {"erased": 2}, r
        post(m, "b-3", B_TEXT, {"name": "Anonymous", "ip": BOB["ip"]})
        r = m.request("POST", "/v1/sites/%s/erasure" % SITE, {"author": {"ip": BOB["ip"]}})
        assert r.status == 200 and r.json == {"erased": 1}, r
        dump = site_dump(env.redis)
        assert traces(dump, personal(BOB, [B_TEXT])) == []
        assert [k for k in dump if ":comment:" in k] == []


# Moves one comment's identity-index entries into the sets of the older
# layout (ident:<k>:<hash>, TTLs kept): KEYS the zsets (idz:<k>:<hash>), ARGV[1]
# the comment id. Returns how many it moved.
OLDER_IDENTITY_LUA = """
local n = 0
for _, k in ipairs(KEYS) do
  if redis.call('ZREM', k, ARGV[1]) == 1 then
    local old = string.gsub(k, ':idz:', ':ident:')
    redis.call('SADD', old, ARGV[1])
    redis.call('EXPIRE', old, 86400)
    n = n + 1
  end
end
return n
"""


def test_erasure_finds_comments_in_the_older_identity_sets(binary):
    """An identity index written as sets (the older layout) is still read
    by an author's erasure, and erased with the zsets."""
    with Env(binary, LOW) as env:
        m = env.modq
        post(m, "z-old", Z_TEXTS["approved"], ZELDA)
        post(m, "z-new", Z_TEXTS["rejected"], ZELDA)
        idz = [k for k in env.redis.cli("--scan", "--pattern", "modq:{%s}:idz:*" % SITE).split()]
        assert len(idz) == 3, idz  # e-mail, name, IP
        assert env.redis.cli("TYPE", idz[0]) == "zset"
        assert env.redis.cli("EVAL", OLDER_IDENTITY_LUA, len(idz), *idz, "z-old") == "3"
        old = env.redis.cli("--scan", "--pattern", "modq:{%s}:ident:*" % SITE).split()
        assert len(old) == 3 and env.redis.cli("SMEMBERS", old[0]) == "z-old", old
        r = m.request("POST", "/v1/sites/%s/erasure" % SITE, {"author": {"email": ZELDA["email"]}})
        assert r.status == 200 and r.json == {"erased": 2}, r
        assert m.request("GET", "/v1/sites/%s/comments/z-old" % SITE).status == 404
        dump = site_dump(env.redis)
        assert [k for k in dump if ":ident:" in k or ":idz:" in k] == [], sorted(dump)
        assert traces(dump, personal(ZELDA, Z_TEXTS.values())) == []


BAD_ERASURES = [
    ({}, "author"),
    ({"author": "zelda"}, "author"),
    ({"author": {}}, "author"),
    ({"author": {"url": "https://x.example"}}, "author"),
    ({"author": {"email": 5}}, "author.email"),
    ({"author": {"name": ""}}, "author.name"),
    ({"author": {"ip": "x" * 300}}, "author.ip"),
]


def test_bad_erasure_request_is_422_naming_the_field(binary):
    with Env(binary) as env:
        m = env.modq
        for body, field in BAD_ERASURES:
            r = m.request("POST", "/v1/sites/%s/erasure" % SITE, body)
            assert r.status == 422 and r.json["error"]["field"] == field, (body, r)
        r = m.request("POST", "/v1/sites/%s/erasure" % SITE, raw=b"nope")
        assert r.status == 400, r
        r = m.request("POST", "/v1/sites/%s/erasure" % SITE, {"author": {"email": "a@b.c"}},
                      key=None)
        assert r.status == 401, r
        assert m.request("DELETE", "/v1/sites/%s/comments/x" % SITE, key=None).status == 401


# ------------------------------------------------------------------ articles

def test_deleted_article_is_gone_with_its_thread_and_its_comments_stay(binary):
    with Env(binary, LOW) as env:
        m = env.modq
        r = env.redis
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
        post(m, "c1", Z_TEXTS["approved"], ZELDA)
        assert r.cli("LLEN", "modq:{%s}:thread:a1" % SITE) == "1"
        assert int(r.cli("HLEN", "modq:{%s}:df" % SITE)) > 0
        assert m.request("DELETE", "/v1/sites/%s/articles/a1" % SITE).status == 204
        assert m.request("GET", "/v1/sites/%s/articles/a1" % SITE).status == 404
        assert m.request("DELETE", "/v1/sites/%s/articles/a1" % SITE).status == 404
        for part in ("article:a1", "article_url:" + ARTICLE["url"], "thread:a1",
                     "threadref:a1"):
            assert r.cli("EXISTS", "modq:{%s}:%s" % (SITE, part)) == "0", part
        assert r.cli("HLEN", "modq:{%s}:df" % SITE) == "0"
        assert r.cli("GET", "modq:{%s}:ndocs" % SITE) == "0"
        assert m.request("GET", "/v1/sites/%s/comments/c1" % SITE).status == 200
        lst = m.request("GET", "/v1/sites/%s/comments?article_id=a1" % SITE)
        assert [i["id"] for i in lst.json["items"]] == ["c1"], lst
        # the article can come back
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
        assert r.cli("GET", "modq:{%s}:ndocs" % SITE) == "1"


# ------------------------------------------------------------------- listing

def walk(m, query, limit):
    """Every page of the listing; returns the items in order."""
    items, cursor = [], None
    for _ in range(1000):
        path = "/v1/sites/%s/comments?limit=%d%s" % (SITE, limit, query)
        if cursor:
            path += "&cursor=" + cursor
        r = m.request("GET", path)
        assert r.status == 200, r
        assert len(r.json["items"]) <= limit
        items += r.json["items"]
        cursor = r.json["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("too many pages")


def text(i):
    return "Comment number %d about the bicycle lanes on Main Street and deliveries" % i


def test_listing_pages_newest_first_by_article_and_status(binary):
    with Env(binary, LOW) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
        want = {}
        for i in range(12):
            aid = "a1" if i % 3 else "a2"
            txt = text(i) if i % 4 else "zorglub %d" % i  # every 4th rejected
            want["c%02d" % i] = (aid, post(m, "c%02d" % i, txt, {"name": "N%d" % i}, aid)["status"])
        everything = walk(m, "", 5)
        assert [i["id"] for i in everything] == sorted(want, reverse=True)
        assert all("email" not in i["author"] and "ip" not in i["author"] for i in everything)
        for aid in ("a1", "a2"):
            got = [i["id"] for i in walk(m, "&article_id=" + aid, 2)]
            assert got == sorted((k for k, v in want.items() if v[0] == aid), reverse=True)
        for st in ("approved", "pending", "rejected"):
            got = [i["id"] for i in walk(m, "&status=" + st, 3)]
            exp = sorted((k for k, v in want.items() if v[1] == st), reverse=True)
            assert got == exp, (st, got, exp)
        assert {v[1] for v in want.values()} >= {"approved", "rejected"}
        for q, field in (("limit=0", "limit"), ("limit=201", "limit"), ("limit=x", "limit"),
                         ("status=spam", "status"), ("cursor=zz", "cursor"),
                         ("article_id=a%20b", "article_id")):
            r = m.request("GET", "/v1/sites/%s/comments?%s" % (SITE, q))
            assert r.status == 422 and r.json["error"]["field"] == field, (q, r)


def test_listing_cursor_neither_repeats_nor_skips_while_comments_arrive(binary):
    with Env(binary, LOW) as env:
        m = env.modq
        first = ["p%03d" % i for i in range(40)]
        for cid in first:
            post(m, cid, text(int(cid[1:])), {"name": "Reader"})
        stop = threading.Event()
        late = []

        def writer():
            i = 0
            while not stop.is_set() and i < 200:
                cid = "q%03d" % i
                post(m, cid, text(1000 + i), {"name": "Late"})
                late.append(cid)
                i += 1

        t = threading.Thread(target=writer)
        t.start()
        try:
            time.sleep(0.05)
            seen = [i["id"] for i in walk(m, "", 3)]
        finally:
            stop.set()
            t.join()
        assert late, "no comment arrived during the walk"
        assert len(seen) == len(set(seen)), seen
        assert set(first) <= set(seen)
        assert set(seen) <= set(first) | set(late)
        # the whole listing afterwards: everything once
        assert sorted(i["id"] for i in walk(m, "", 50)) == sorted(first + late)


def test_listing_needs_a_client_key(binary):
    with Env(binary) as env:
        r = env.modq.request("GET", "/v1/sites/%s/comments" % SITE, key=None)
        assert r.status == 401, r
        r = env.modq.request("GET", "/v1/sites/%s/comments" % SITE, key=CLIENT_KEY)
        assert r.status == 200 and r.json == {"items": [], "next_cursor": None}, r


# --------------------------------------------------------------------- edits

def put(m, cid, txt, author, aid="a1", **extra):
    return m.request("PUT", "/v1/sites/%s/comments/%s" % (SITE, cid),
                     dict({"article_id": aid, "text": txt, "author": author}, **extra))


SPAM_EDIT = "Offer number 7 for you, see http://promo7.example/deal"


def test_edit_is_checked_again_with_revision_history_queue_and_webhook(binary):
    rcv = Receiver().start()
    try:
        with Env(binary, LOW) as env:
            m = env.modq
            r = env.redis
            assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
            assert register(m, SITE, rcv.url, ["verdict"]).status == 201
            v1 = post(m, "c1", Z_TEXTS["approved"], ZELDA)
            assert v1["status"] == "approved" and v1["revision"] == 1 and v1["history"] == []
            # approve, then edit into spam: pending, queued, flagged again
            e2 = put(m, "c1", SPAM_EDIT, ZELDA)
            assert e2.status == 200, e2
            v2 = e2.json
            assert v2["status"] == "pending" and v2["revision"] == 2, v2
            assert "link_spam" in [f["code"] for f in v2["flags"]], v2
            assert v2["received_ms"] == v1["received_ms"] and v2["text"] == SPAM_EDIT
            assert [{k: h[k] for k in ("revision", "status", "score", "flags")}
                    for h in v2["history"]] == [
                {"revision": 1, "status": "approved", "score": v1["score"],
                 "flags": [f["code"] for f in v1["flags"]]}]
            assert v2["history"][0]["at"].endswith("Z")
            assert m.queue(SITE) == ["c1"]
            assert r.cli("ZSCORE", "modq:{%s}:pending:flag:link_spam" % SITE, "c1") != ""
            assert Z_TEXTS["approved"] not in r.cli("LRANGE", "modq:{%s}:thread:a1" % SITE, "0", "-1")
            assert m.request("GET", "/v1/sites/%s/comments/c1" % SITE).json == v2
            # and back: approved, out of the queue, history of two
            v3 = put(m, "c1", B_TEXT, ZELDA).json
            assert v3["status"] == "approved" and v3["revision"] == 3, v3
            assert [h["revision"] for h in v3["history"]] == [1, 2]
            assert [h["status"] for h in v3["history"]] == ["approved", "pending"]
            assert m.queue(SITE) == []
            assert r.cli("ZCARD", "modq:{%s}:pending:flag:link_spam" % SITE) == "0"
            assert B_TEXT in r.cli("LRANGE", "modq:{%s}:thread:a1" % SITE, "0", "-1")
            # the same content again changes nothing
            same = put(m, "c1", B_TEXT, ZELDA)
            assert same.status == 200 and same.json["revision"] == 3, same
            # one verdict event per version
            got = rcv.wait(3, 15)
            time.sleep(0.5)
            assert len(rcv.got) == 3, rcv.got
            ev = sorted((g["json"]["comment"]["revision"], g["json"]["comment"]["status"])
                        for g in got)
            assert ev == [(1, "approved"), (2, "pending"), (3, "approved")], ev
            assert all(g["json"]["event"] == "verdict" and g["ok"] for g in got)
            # one listing entry, one author index entry
            assert [i["id"] for i in walk(m, "", 10)] == ["c1"]
            assert r.cli("ZCARD", "modq:{%s}:list" % SITE) == "1"
            # the erasure takes the edited comment too
            gone = m.request("POST", "/v1/sites/%s/erasure" % SITE,
                             {"author": {"email": ZELDA["email"]}})
            assert gone.json == {"erased": 1}, gone
    finally:
        rcv.stop()


def test_bad_edits(binary):
    with Env(binary, LOW) as env:
        m = env.modq
        assert put(m, "nope", B_TEXT, BOB).status == 404
        post(m, "c1", B_TEXT, BOB)
        r = put(m, "c1", B_TEXT, BOB, id="c2")
        assert r.status == 422 and r.json["error"]["field"] == "id", r
        r = m.request("PUT", "/v1/sites/%s/comments/c1" % SITE, {"article_id": "a1"})
        assert r.status == 422 and r.json["error"]["field"] == "text", r
        r = m.request("PUT", "/v1/sites/%s/comments/c1" % SITE, raw=b"{")
        assert r.status == 400, r
        r = m.request("PUT", "/v1/sites/%s/comments/c1" % SITE,
                      {"article_id": "a1", "text": "other", "author": BOB}, key=None)
        assert r.status == 401, r
        v = m.request("GET", "/v1/sites/%s/comments/c1" % SITE).json
        assert v["revision"] == 1 and v["text"] == B_TEXT


def test_duplicate_keys_another_comment_registered_stay(binary):
    """A duplicate key names the first comment with that text: erasing a
    later copy leaves it; erasing the first removes it."""
    with Env(binary, LOW) as env:
        m, r = env.modq, env.redis
        assert m.request("PUT", "/v1/sites/%s/articles/a1" % SITE, ARTICLE).status == 201
        post(m, "b-1", B_TEXT, BOB)
        copy = post(m, "z-1", B_TEXT, ZELDA)
        assert "duplicate" in [f["code"] for f in copy["flags"]], copy
        dups = [k for k in r.cli("--scan", "--pattern", "modq:{%s}:dup:*" % SITE).split() if k]
        assert len(dups) == 9, dups  # exact + 8 bands, all Bob's
        assert m.request("DELETE", "/v1/sites/%s/comments/z-1" % SITE).status == 204
        after = [k for k in r.cli("--scan", "--pattern", "modq:{%s}:dup:*" % SITE).split() if k]
        assert sorted(after) == sorted(dups)
        dump = site_dump(r)
        assert all("b-1" in dump[k] for k in after)
        assert m.request("DELETE", "/v1/sites/%s/comments/b-1" % SITE).status == 204
        assert r.cli("--scan", "--pattern", "modq:{%s}:dup:*" % SITE) == ""
