"""test_store_spool.py - a spooled comment's replay writes what the live
write of the same comment writes.

A comment answered while Redis was unreachable waits in the spool as its
record with the MinHash beside it (comment_spool.c) and is written when
Redis is back, by the write path a live comment takes. What it leaves in
Redis must not depend on the way it came: the same keys, types, values
and lifetimes.

The comments are posted live on site L; each stored record (and the
MinHash its text's exact key holds) is turned into the spool line modq
would have written for site S, the lines go into a stopped modq's spool
and the restarted modq replays them. Both sites carry the same settings,
a flood window of their own among them. Then every key of S must be the
key of L with the site renamed: type, value (site renamed) and TTL (the
replay ran later: within that delay and a little).
"""
import json
import os
import socket
import time

from harness import Env
from test_api import ARTICLE

LIVE, SPOOLED = "sl", "ss"
SETTINGS = {"flood": {"window": 900}}
ON_TOPIC = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
            "the council should also think about deliveries for the shops during construction.")
NEAR = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
        "the council should also think about deliveries for the shops during the construction.")
SPAM = ("CHECK OUT MY CHANNEL!!! subscribe subscribe subscribe http://bit.ly/xx1 "
        "http://cheap-pills.example/buy http://win-money.example earn $500 a day")
PARKING = ("Losing the parking spaces on Main Street worries me, where will visitors of the "
           "shops leave their cars when the lanes are built in spring?")
# approved, rejected or held; an exact repeat and a near copy (the duplicate
# keys), authors with e-mail, name and IP or fewer (identity index, flood)
COMMENTS = [
    ("c1", ON_TOPIC, {"name": "Ann", "email": "ann@example.org", "ip": "192.0.2.1"}),
    ("c2", SPAM, {"name": "Bob", "ip": "192.0.2.2"}),
    ("c3", ON_TOPIC, {"name": "Cid", "email": "cid@example.org", "ip": "192.0.2.3"}),
    ("c4", NEAR, {"name": "Ann", "email": "ann@example.org", "ip": "192.0.2.1"}),
    ("c5", PARKING, {"name": "Dee"}),
    ("c6", SPAM + " again", {"name": "Bob", "ip": "192.0.2.2"}),
    ("c7", PARKING + " And the buses?", {"name": "Eve", "email": "eve@example.org"}),
]
# keys the comments do not write (the article, the settings), compared by
# other tests
NOT_COMPARED = ("article:", "artver:", "article_url:", "df", "dfver", "ndocs", "settings",
                "setver", "audit")


def resp_command(port, *args):
    """One command over a raw socket, its reply as Python values (bytes for
    bulk strings): redis-cli's output would mangle the binary MinHash."""
    s = socket.create_connection(("127.0.0.1", port), 10)
    try:
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        f = s.makefile("rb")

        def read():
            line = f.readline()[:-2]
            t, rest = line[:1], line[1:]
            if t in (b"+", b"-"):
                return rest.decode()
            if t == b":":
                return int(rest)
            if t == b"$":
                n = int(rest)
                if n < 0:
                    return None
                v = f.read(n + 2)[:-2]
                return v
            if t == b"*":
                n = int(rest)
                return None if n < 0 else [read() for _ in range(n)]
            raise AssertionError("unexpected reply %r" % line)
        return read()
    finally:
        s.close()


def site_keys(port, site):
    """{key without the site prefix: (type, value, ttl seconds)} of site's
    keys (and whether modq:sites names it)."""
    prefix = "modq:{%s}:" % site
    keys, cursor = [], "0"
    while True:
        cursor, batch = resp_command(port, "SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000)
        keys += [k.decode() for k in batch]
        cursor = cursor.decode()
        if cursor == "0":
            break
    out = {}
    for k in keys:
        rest = k[len(prefix):]
        if rest.startswith(NOT_COMPARED):
            continue
        t = resp_command(port, "TYPE", k)
        if t == "string":
            v = resp_command(port, "GET", k)
        elif t == "hash":
            v = sorted(zip(*[iter(resp_command(port, "HGETALL", k))] * 2))
        elif t == "list":
            v = resp_command(port, "LRANGE", k, 0, -1)
        elif t == "zset":
            v = resp_command(port, "ZRANGE", k, 0, -1, "WITHSCORES")
        elif t == "set":
            v = sorted(resp_command(port, "SMEMBERS", k))
        else:
            v = t
        out[rest] = (t, v, resp_command(port, "TTL", k))
    sites = resp_command(port, "SMEMBERS", "modq:sites")
    out["(in modq:sites)"] = ("set", site.encode() in sites, -1)
    return out


def spool_line(port, site, cid):
    """The line modq spools for the comment stored as cid under site, for
    site SPOOLED: "mh:<hex MinHash>:<record>" (comment_spool.c)."""
    rec = resp_command(port, "GET", "modq:{%s}:comment:%s" % (site, cid))
    doc = json.loads(rec)
    assert doc["site"] == site, doc
    exact = resp_command(port, "GET", "modq:{%s}:dup:x:%s" % (site, doc["xh"]))
    assert exact is not None, doc
    mh = exact[-128:]  # 32 values, 4 bytes each, big end first
    line = b"mh:" + mh.hex().encode() + b":"
    quoted = ('"site":"%s"' % site).encode()
    assert rec.count(quoted) == 1, rec
    return line + rec.replace(quoted, ('"site":"%s"' % SPOOLED).encode())


def renamed(value):
    """value (a key family's value from site_keys) with LIVE's name as
    SPOOLED's in its bytes."""
    if isinstance(value, bytes):
        return value.replace(('"site":"%s"' % LIVE).encode(), ('"site":"%s"' % SPOOLED).encode())
    if isinstance(value, (list, tuple)):
        return type(value)(renamed(v) for v in value)
    return value


def test_a_replayed_comment_writes_what_the_live_write_wrote(binary):
    with Env(binary) as env:
        m = env.modq
        for site in (LIVE, SPOOLED):
            assert m.request("PUT", "/v1/sites/%s/settings" % site, SETTINGS).status == 200
            assert m.request("PUT", "/v1/sites/%s/articles/a1" % site, ARTICLE).status == 201
        statuses = set()
        for cid, text, author in COMMENTS:
            r = m.request("POST", "/v1/sites/%s/comments" % LIVE,
                          {"id": cid, "article_id": "a1", "text": text, "author": author})
            assert r.status == 201, r
            assert r.json.get("provisional") is not True, r.json
            statuses.add(r.json["status"])
        assert statuses >= {"approved", "pending"} or statuses >= {"approved", "rejected"}, \
            statuses
        lines = [spool_line(env.redis.port, LIVE, cid) for cid, _, _ in COMMENTS]
        t_live = time.time()
        m.stop()
        spool_dir = m.env["MODQ_SPOOL_DIR"]
        os.makedirs(spool_dir, exist_ok=True)
        with open(os.path.join(spool_dir, "active.log"), "ab") as f:
            f.write(b"".join(line + b"\n" for line in lines))
        m.start()
        end = time.time() + 20
        while time.time() < end:
            r = m.request("GET", "/readyz", key=None)
            if r.status == 200 and r.json["spool"]["pending"] == 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("spool not replayed: %r" % r.json)
        delay = time.time() - t_live
        live = site_keys(env.redis.port, LIVE)
        spooled = site_keys(env.redis.port, SPOOLED)
        assert sorted(spooled) == sorted(live), (sorted(set(live) ^ set(spooled)))
        # every family a comment write touches is among them
        families = ("comment:", "dup:x:", "dup:b", "flood:a:", "flood:i:", "idz:e:", "idz:n:",
                    "idz:i:", "author:", "author_log:", "list", "list:a:", "thread:",
                    "threadref:", "approved", "byscore:", "(in modq:sites)")
        missing = [f for f in families if not any(k.startswith(f) for k in live)]
        assert not missing, (missing, sorted(live))
        assert "pending" in live or "rejected" in live, sorted(live)
        for k, (t, v, ttl) in live.items():
            st, sv, sttl = spooled[k]
            assert st == t, (k, t, st)
            assert sv == renamed(v), (k, v, sv)
            # the replay ran `delay` later: its TTLs are as long, or longer
            # by up to the delay (and a second of rounding)
            assert (ttl < 0) == (sttl < 0), (k, ttl, sttl)
            assert ttl - 1 <= sttl <= ttl + delay + 1, (k, ttl, sttl, delay)
        # the site's own flood window is the counters' lifetime either way
        flood = [k for k in live if k.startswith("flood:")]
        assert flood and all(800 < spooled[k][2] <= 900 for k in flood), \
            [(k, spooled[k][2]) for k in flood]
