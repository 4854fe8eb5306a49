"""test_review.py - the moderator review workflow against the real binary and
a real redis-server: queue pages and filters, claims and leases, releases,
decisions (single and bulk), stats, audit, auth, and 8 moderators racing
through 500 items on two modq instances. Everything is observed through the
API; what only Redis shows (thread lists, lease entries) is in the store
suites (test_store_thread.py, test_store_keys.py)."""
import threading
import time
from collections import Counter, defaultdict

from harness import CLIENT_KEY, MOD_KEY, MOD_NAME, Env, mod_key, mod_keys_setting

SCOPED_KEY = "scoped-moderator-key-0123456789"  # sam's, for s2 only

# Pending unless flagged at all; only banned words (score 1.0) reject.
LOW = {"MODQ_THRESHOLD_PENDING": "0.05", "MODQ_THRESHOLD_REJECT": "1.0",
       "MODQ_BANNED_WORDS": "zorglub"}

ARTICLE = {"title": "City council approves protected bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision while shop owners worry about "
                   "deliveries.", "tags": ["cycling"]}
CONTACT = "Call me at 555-123-4567 or mail bob@example.com for details"
ON_TOPIC = ("Protected bicycle lanes on Main Street are overdue. I cycle there every day and "
            "the council decision is right, though shop owners need a plan for deliveries.")


def post(m, site, aid, text, cid=None, name="Ann", **author):
    body = {"article_id": aid, "text": text, "author": dict(name=name, **author)}
    if cid:
        body["id"] = cid
    r = m.request("POST", "/v1/sites/%s/comments" % site, body)
    assert r.status == 201, r
    return r.json


def spammy(i):
    """A distinct comment that at least link_spam flags (pending under LOW)."""
    return "Offer number %d for you, see http://promo%d.example/deal" % (i, i)


def decide(m, site, cid, decision, moderator=MOD_NAME, key=None, **extra):
    """A decision with the key of `moderator` (unless key is given),
    naming them in the body (moderator=None: the body names nobody)."""
    body = dict(decision=decision, **extra)
    if moderator is not None:
        body["moderator"] = moderator
    key = key or mod_key(moderator or MOD_NAME)
    return m.request("POST", "/v1/sites/%s/comments/%s/decision" % (site, cid), body, key=key)


def review(m, query="", key=MOD_KEY):
    r = m.request("GET", "/v1/review" + query, key=key)
    assert r.status == 200, r
    return r.json


def all_pages(m, query, limit):
    """Follow next_cursor; returns the items in order."""
    items, cursor, pages = [], None, 0
    while True:
        q = query + ("&" if "?" in query else "?") + "limit=%d" % limit
        if cursor:
            q += "&cursor=" + cursor
        j = review(m, q)
        assert len(j["items"]) <= limit
        items += j["items"]
        cursor = j["next_cursor"]
        pages += 1
        assert pages < 100
        if not cursor:
            return items


def stats(m, query=""):
    r = m.request("GET", "/v1/review/stats" + query, key=MOD_KEY)
    assert r.status == 200, r
    return r.json


# ---------------------------------------------------------------- auth, 4xx

SCOPED_ENV = dict(LOW, MODQ_MODERATOR_KEYS="%s,sam:%s@s2" % (mod_keys_setting(), SCOPED_KEY))


def two_sites(m):
    """p1 pending on s1, q1 pending on s2."""
    a = post(m, "s1", "a1", spammy(1), cid="p1")
    post(m, "s2", "a1", spammy(2), cid="q1")
    assert a["status"] == "pending", a


def untouched(m):
    """p1 is still pending, undecided, and nobody's decision was logged."""
    c = m.request("GET", "/v1/sites/s1/comments/p1").json
    assert c["status"] == "pending" and c["decision"] is None, c
    au = m.request("GET", "/v1/audit?site=s1", key=MOD_KEY)
    assert au.status == 200 and au.json["entries"] == [] and au.json["count"] == 0, au


def test_review_endpoints_refuse_client_keys_and_no_key(binary):
    with Env(binary, extra_env=SCOPED_ENV) as env:
        m = env.modq
        two_sites(m)
        routes = [("GET", "/v1/review", None), ("POST", "/v1/review/claim", {"moderator": "x"}),
                  ("POST", "/v1/review/release", {"moderator": "x", "site": "s1", "ids": ["p1"]}),
                  ("POST", "/v1/sites/s1/comments/p1/decision",
                   {"decision": "approve", "moderator": "x"}),
                  ("POST", "/v1/review/decisions", {"moderator": "x", "decisions": []}),
                  ("GET", "/v1/review/stats", None), ("GET", "/v1/audit", None),
                  ("GET", "/v1/review/whoami", None)]
        for method, path, body in routes:
            r = m.request(method, path, body, key=CLIENT_KEY)
            assert r.status == 403 and r.json["error"]["code"] == "forbidden", (path, r)
            r = m.request(method, path, body, key=None)
            assert r.status == 401, (path, r)
        # the client key changed nothing
        untouched(m)


def test_scoped_moderator_key_sees_and_touches_its_sites_only(binary):
    with Env(binary, extra_env=SCOPED_ENV) as env:
        m = env.modq
        two_sites(m)
        j = review(m, "", key=SCOPED_KEY)
        assert [i["id"] for i in j["items"]] == ["q1"], j
        assert m.request("GET", "/v1/review?site=s1", key=SCOPED_KEY).status == 403
        r = m.request("POST", "/v1/review/claim", {"site": "s1"}, key=SCOPED_KEY)
        assert r.status == 403 and r.json["error"]["code"] == "forbidden", r
        r = decide(m, "s1", "p1", "approve", moderator="sam", key=SCOPED_KEY)
        assert r.status == 403 and r.json["error"]["code"] == "forbidden", r
        r = m.request("POST", "/v1/review/decisions",
                      {"moderator": "sam", "decisions": [{"site": "s1", "id": "p1", "decision": "approve"},
                                                       {"site": "s2", "id": "q1", "decision": "approve"}]},
                      key=SCOPED_KEY)
        assert r.status == 200 and [x["status"] for x in r.json["results"]] == [403, 200], r
        st = m.request("GET", "/v1/review/stats", key=SCOPED_KEY).json
        assert list(st["sites"]) == ["s2"], st
        assert m.request("GET", "/v1/audit?site=s1", key=SCOPED_KEY).status == 403
        untouched(m)


def test_decision_on_unknown_comment_is_404(binary):
    with Env(binary, extra_env=LOW) as env:
        r = decide(env.modq, "s1", "nope", "approve")
        assert r.status == 404 and r.json["error"]["code"] == "not_found", r


def test_review_body_must_be_json(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        r = m.request("POST", "/v1/review/claim", raw=b'{"moderator":"mia"}', key=MOD_KEY,
                      content_type="text/plain")
        assert r.status == 415, r
        r = m.request("POST", "/v1/review/claim", raw=b'{"moderator":', key=MOD_KEY)
        assert r.status == 400 and r.json["error"]["code"] == "malformed_json", r


# The moderator-name rules of keys without a name (moderator_anonymous_keys):
# the request must name someone, in 1-128 bytes without control characters.
BAD_ANONYMOUS_NAMES = [
    ("POST", "/v1/review/claim", {}, "moderator"),
    ("POST", "/v1/review/claim", {"moderator": ""}, "moderator"),
    ("POST", "/v1/review/claim", {"moderator": "a\nb"}, "moderator"),
    ("POST", "/v1/review/claim", {"moderator": "x" * 129}, "moderator"),
    ("POST", "/v1/sites/s1/comments/p1/decision", {"decision": "reject"}, "moderator"),
    ("POST", "/v1/review/release", {"site": "s1", "ids": ["p1"]}, "moderator"),
    ("POST", "/v1/review/decisions", {"decisions": []}, "moderator")]

# With a named key (mia's): every field but the name.
BAD_FIELDS = [
    ("POST", "/v1/review/claim", {"moderator": 7}, "moderator"),
    ("POST", "/v1/review/claim", {"moderator": "mia", "limit": 0}, "limit"),
    ("POST", "/v1/review/claim", {"moderator": "mia", "limit": 101}, "limit"),
    ("POST", "/v1/review/claim", {"moderator": "mia", "limit": "5"}, "limit"),
    ("POST", "/v1/review/claim", {"moderator": "mia", "lease_seconds": 0}, "lease_seconds"),
    ("POST", "/v1/review/claim", {"moderator": "mia", "flag": "Off-Topic"}, "flag"),
    ("POST", "/v1/review/claim", {"moderator": "mia", "site": "bad site"}, "site"),
    ("POST", "/v1/sites/s1/comments/p1/decision", {"moderator": "mia"}, "decision"),
    ("POST", "/v1/sites/s1/comments/p1/decision",
     {"moderator": "mia", "decision": "maybe"}, "decision"),
    ("POST", "/v1/sites/s1/comments/p1/decision",
     {"moderator": "mia", "decision": "reject", "override": "yes"}, "override"),
    ("POST", "/v1/sites/s1/comments/p1/decision",
     {"moderator": "mia", "decision": "reject", "note": "n" * 2049}, "note"),
    ("POST", "/v1/sites/s1/comments/p1/decision",
     {"moderator": "mia", "decision": "reject", "reason": 5}, "reason"),
    ("POST", "/v1/sites/s1/comments/p1/decision",
     {"moderator": ["x"], "decision": "reject"}, "moderator"),
    ("POST", "/v1/review/release", {"moderator": "mia", "ids": ["p1"]}, "site"),
    ("POST", "/v1/review/release", {"moderator": "mia", "site": "s1"}, "ids"),
    ("POST", "/v1/review/release", {"moderator": "mia", "site": "s1", "ids": []}, "ids"),
    ("POST", "/v1/review/release", {"moderator": "mia", "site": "s1", "ids": ["a b"]}, "ids"),
    ("POST", "/v1/review/decisions", {"moderator": "mia"}, "decisions"),
    ("POST", "/v1/review/decisions", {"moderator": "mia", "decisions": {}}, "decisions"),
    ("POST", "/v1/review/decisions",
     {"moderator": "mia", "decisions": [{"site": "s1", "id": "p1", "decision": "approve"}] * 501},
     "decisions"),
    ("GET", "/v1/review?status=decided", None, "status"),
    ("GET", "/v1/review?sort=newest", None, "sort"),
    ("GET", "/v1/review?q=" + "%20".join("w%d" % i for i in range(9)), None, "q"),
    ("GET", "/v1/review?author=" + "x" * 257, None, "author"),
    ("GET", "/v1/review?limit=0", None, "limit"),
    ("GET", "/v1/review?limit=201", None, "limit"),
    ("GET", "/v1/review?cursor=garbage", None, "cursor"),
    ("GET", "/v1/review?flag=a%20b", None, "flag"),
    ("GET", "/v1/review?site=s1&article_id=a%20b", None, "article_id"),
    ("GET", "/v1/audit?limit=1001", None, "limit"),
    ("GET", "/v1/audit?since=yesterday", None, "since"),
    ("GET", "/v1/audit?cursor=1-2", None, "cursor")]


def test_bad_review_field_is_422_naming_it(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        two_sites(m)
        for method, path, body, field in BAD_FIELDS:
            r = m.request(method, path, body, key=MOD_KEY)
            assert r.status == 422, (path, body and str(body)[:80], r)
            assert r.json["error"].get("field") == field, (path, r)
        # none of that touched the item
        untouched(m)


# ----------------------------------------------------- pages and decisions

# Between two posts whose queue order a test asserts: the queue sorts by
# enqueue time in ms, then by id, so two posts within one ms would be
# listed by id instead of in posting order.
QUEUE_TICK_S = 0.002


def seed_queue(m):
    """Seven link-spam comments p0..p6 (a1 and the unregistered a2 in turn),
    one contact_info comment, one approved and one rejected (banned word).
    Returns the pending ids, oldest first."""
    assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
    ids = []
    for i in range(7):
        aid = "a1" if i % 2 == 0 else "a2"
        c = post(m, "s1", aid, spammy(i), cid="p%d" % i, name="u%d" % i)
        assert c["status"] == "pending" and "link_spam" in [f["code"] for f in c["flags"]], c
        ids.append(c["id"])
        time.sleep(QUEUE_TICK_S)
    # a pending comment without link_spam
    lc = post(m, "s1", "a1", CONTACT, cid="contact1", name="v")
    codes = [f["code"] for f in lc["flags"]]
    assert lc["status"] == "pending" and "contact_info" in codes and "link_spam" not in codes, lc
    ids.append("contact1")
    ok = post(m, "s1", "a1", ON_TOPIC, cid="good1", name="w")
    assert ok["status"] == "approved", ok
    bad = post(m, "s1", "a1", "zorglub zorglub to all of you", cid="banned1", name="z")
    assert bad["status"] == "rejected", bad
    return ids


# The decisions the tests below take in turn: (comment, decision, moderator,
# other fields). 1 repeats 0; 2 contradicts it without override (409).
DECISIONS = [
    ("p0", "approve", "mia", {"reason": "fine", "note": "known reader"}),
    ("p0", "approve", "noah", {"note": "again"}),
    ("p0", "reject", "noah", {}),
    ("p0", "reject", "noah", {"override": True, "reason": "spam after all"}),
    ("banned1", "approve", "mia", {}),     # an auto-rejected false positive
    ("good1", "reject", "mia", {"note": "troll"}),   # an auto-approved troll
    ("p1", "reject", "mia", {}),
]


def decide_first(m, n):
    """Takes the first n of DECISIONS; returns their answers."""
    return [decide(m, "s1", cid, d, moderator=who, **extra)
            for cid, d, who, extra in DECISIONS[:n]]


def test_queue_lists_pending_items_oldest_first_in_pages(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        ids = seed_queue(m)
        items = all_pages(m, "?site=s1", 3)
        assert [i["id"] for i in items] == ids, [i["id"] for i in items]
        q = [i["queued_ms"] for i in items]
        assert q == sorted(q)
        first = items[0]
        assert first["article_title"] == ARTICLE["title"], first
        assert first["claim"] is None and first["age_s"] >= 0
        assert first["comment"]["text"] == spammy(0) and first["comment"]["status"] == "pending"
        lsf = [f for f in first["comment"]["flags"] if f["code"] == "link_spam"][0]
        assert lsf["evidence"].startswith("http://promo0.example"), lsf
        assert items[1]["article_title"] is None  # a2 was never registered
        # site omitted = every site; same result here
        assert [i["id"] for i in all_pages(m, "", 4)] == ids


def test_queue_filters_by_flag_article_and_status(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        ids = seed_queue(m)
        assert [i["id"] for i in all_pages(m, "?site=s1&flag=link_spam", 2)] == ids[:7]
        assert [i["id"] for i in all_pages(m, "?site=s1&flag=contact_info", 2)] == ["contact1"]
        assert [i["id"] for i in all_pages(m, "?site=s1&article_id=a2", 2)] == ["p1", "p3", "p5"]
        assert review(m, "?site=s1&flag=duplicate")["items"] == []
        assert review(m, "?site=nosuchsite")["items"] == []
        rej = review(m, "?site=s1&status=rejected")
        assert [i["id"] for i in rej["items"]] == ["banned1"], rej
        assert rej["next_cursor"] is None


def test_stats_count_the_queue_by_flag(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        ids = seed_queue(m)
        oldest = review(m, "?site=s1&limit=1")["items"][0]
        assert oldest["id"] == ids[0]
        st = stats(m, "?site=s1")["sites"]["s1"]
        assert st["pending"] == 8 and st["rejected"] == 1 and st["claimed"] == 0, st
        assert st["by_flag"]["link_spam"] == 7 and st["by_flag"]["contact_info"] == 1, st
        assert "duplicate" not in st["by_flag"], st
        assert st["oldest_pending_ms"] == oldest["queued_ms"] and st["oldest_pending_age_s"] >= 0
        assert st["decisions_last_hour"] == 0


def test_approval_answers_the_decided_comment(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        r = decide_first(m, 1)[0]
        assert r.status == 200, r
        d = r.json["decision"]
        assert r.json["status"] == "approved" and r.json["auto_status"] == "pending"
        assert d["by"] == "mia" and d["decision"] == "approve" and d["reason"] == "fine"
        assert d["note"] == "known reader" and d["at_ms"] > 0
        got = m.request("GET", "/v1/sites/s1/comments/p0").json
        assert got["status"] == "approved" and got["decision"]["by"] == "mia", got


def test_decided_comment_leaves_the_queue_and_its_flag_queue(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        assert decide_first(m, 1)[0].status == 200
        assert "p0" not in [i["id"] for i in all_pages(m, "?site=s1", 50)]
        assert "p0" not in [i["id"] for i in all_pages(m, "?site=s1&flag=link_spam", 50)]


def test_same_decision_again_changes_nothing(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        r, r2 = decide_first(m, 2)
        assert r2.status == 200 and r2.json["decision"] == r.json["decision"], r2


def test_contrary_decision_needs_override(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        r3, r4 = decide_first(m, 4)[2:]
        assert r3.status == 409 and r3.json["error"]["code"] == "already_decided", r3
        assert "mia" in r3.json["error"]["message"]
        assert r4.status == 200 and r4.json["status"] == "rejected", r4
        assert r4.json["decision"]["by"] == "noah" and r4.json["decision"].get("note") is None
        assert "p0" in [i["id"] for i in review(m, "?site=s1&status=rejected")["items"]]


def test_auto_rejected_comment_can_be_approved(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        r5 = decide_first(m, 5)[4]
        assert r5.status == 200 and r5.json["status"] == "approved", r5
        assert r5.json["auto_status"] == "rejected"
        assert [i["id"] for i in review(m, "?site=s1&status=rejected")["items"]] == ["p0"]


def test_auto_approved_and_pending_comments_can_be_rejected(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        r6, r7 = decide_first(m, 7)[5:]
        assert r6.status == 200 and r6.json["status"] == "rejected", r6
        assert r7.status == 200 and r7.json["status"] == "rejected"


def test_stats_count_decisions_but_not_repeats_or_refusals(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        decide_first(m, len(DECISIONS))
        st = stats(m)
        s1 = st["sites"]["s1"]
        assert s1["pending"] == 6 and s1["by_flag"]["link_spam"] == 5, s1
        assert s1["decisions_last_hour"] == 5, s1  # the idempotent repeat and the 409 do not count
        assert st["total"]["pending"] == 6


def audit(m, query=""):
    r = m.request("GET", "/v1/audit" + query, key=MOD_KEY)
    assert r.status == 200, r
    return r.json


def test_audit_log_records_each_decision(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        decide_first(m, len(DECISIONS))
        # who, when, what, previous status, note
        au = audit(m, "?site=s1")
        e = au["entries"]
        assert [(x["comment_id"], x["decision"], x["moderator"]) for x in e] == [
            ("p0", "approve", "mia"), ("p0", "reject", "noah"), ("banned1", "approve", "mia"),
            ("good1", "reject", "mia"), ("p1", "reject", "mia")], e
        # append-only: one entry per decision, nothing for the repeat or the 409
        assert au["count"] == 5, au
        assert e[0]["previous_status"] == "pending" and e[0]["note"] == "known reader"
        assert e[0]["reason"] == "fine" and e[0]["override"] is False and e[0]["status"] == "approved"
        assert e[1]["previous_status"] == "approved" and e[1]["override"] is True
        assert e[1]["previous_by"] == "mia" and e[1]["reason"] == "spam after all"
        assert e[2]["previous_status"] == "rejected" and e[2]["auto_status"] == "rejected"
        assert all(x["site"] == "s1" and x["at_ms"] > 0 for x in e)
        assert [x["at_ms"] for x in e] == sorted(x["at_ms"] for x in e)
        assert au["next_cursor"] is None


def test_audit_log_pages_by_cursor_and_since(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_queue(m)
        decide_first(m, len(DECISIONS))
        e = audit(m, "?site=s1")["entries"]
        seen, cur = [], None
        while True:
            r = audit(m, "?site=s1&limit=2" + ("&cursor=" + cur if cur else ""))
            seen += [x["id"] for x in r["entries"]]
            cur = r["next_cursor"]
            if not cur:
                break
        assert seen == [x["id"] for x in e]
        since = e[3]["logged_ms"]
        r = audit(m, "?site=s1&since=%d" % since)
        assert [x["comment_id"] for x in r["entries"]][-2:] == ["good1", "p1"]
        assert all(x["logged_ms"] >= since for x in r["entries"])
        assert audit(m)["entries"] == e  # all sites


# ----------------------------------------------------- claims and leases

def seed_claimable(m):
    """Six link-spam comments c0..c5 and contact1, all pending. Returns the
    ids, oldest first."""
    ids = []
    for i in range(6):
        ids.append(post(m, "s1", "a1", spammy(i), cid="c%d" % i, name="u%d" % i)["id"])
        time.sleep(QUEUE_TICK_S)
    post(m, "s1", "a1", CONTACT, cid="contact1", name="v")
    return ids + ["contact1"]


def claim(m, who, **kw):
    r = m.request("POST", "/v1/review/claim", dict(site="s1", **kw), key=mod_key(who))
    assert r.status == 200, r
    return r.json


def release(m, who, ids):
    r = m.request("POST", "/v1/review/release", {"site": "s1", "ids": ids}, key=mod_key(who))
    assert r.status == 200, r
    return r.json


def claim_all(m, alice_lease=2):
    """alice takes the two oldest (for 2 s, unless a test needs her lease
    to outlast it), bob the next three of the link_spam queue, then the
    rest. Returns the three answers."""
    a = claim(m, "alice", limit=2, lease_seconds=alice_lease)
    b = claim(m, "bob", limit=3, flag="link_spam")
    b2 = claim(m, "bob", limit=10)
    return a, b, b2


def test_claim_leases_the_oldest_free_items(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        ids = seed_claimable(m)
        a, b, b2 = claim_all(m)
        assert [i["id"] for i in a["items"]] == ids[:2], a
        assert all(i["claim"]["by"] == "alice" and 0 < i["claim"]["expires_in_s"] <= 2.0
                   for i in a["items"]), a
        assert a["items"][0]["comment"]["text"] == spammy(0)
        assert [i["id"] for i in b["items"]] == ids[2:5], b  # the flag queue skips contact1
        assert [i["id"] for i in b2["items"]] == ids[5:], b2
        assert claim(m, "carol", limit=10)["items"] == []


def test_queue_and_stats_show_who_holds_what(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_claimable(m)
        claim_all(m, alice_lease=300)
        listed = {i["id"]: i["claim"] for i in review(m, "?site=s1")["items"]}
        assert listed["c0"]["by"] == "alice" and listed["c3"]["by"] == "bob", listed
        assert stats(m, "?site=s1")["sites"]["s1"]["claimed"] == 7


def test_only_the_lease_holder_may_decide(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_claimable(m)
        claim_all(m, alice_lease=300)
        r = decide(m, "s1", "c0", "approve", moderator="bob")
        assert r.status == 409 and r.json["error"]["code"] == "lease_held", r
        assert "alice" in r.json["error"]["message"]
        assert decide(m, "s1", "c1", "reject", moderator="alice").status == 200


def test_release_gives_back_only_your_live_leases(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_claimable(m)
        claim_all(m, alice_lease=300)
        rel = release(m, "carol", ["c2", "c0"])
        assert rel["released"] == [] and rel["not_held"] == ["c2", "c0"], rel
        rel = release(m, "bob", ["c2", "nope", "c0"])
        assert rel["released"] == ["c2"] and rel["not_held"] == ["nope", "c0"], rel
        got = claim(m, "carol", limit=10)
        assert [i["id"] for i in got["items"]] == ["c2"], got  # released, claimable again


def test_expired_lease_frees_the_item(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_claimable(m)
        t_alice = time.time()
        claim_all(m)
        assert decide(m, "s1", "c1", "reject", moderator="alice").status == 200
        # alice walks away from c0; after 2 s it is free again
        assert time.time() - t_alice < 2, "too slow to test the lease"
        time.sleep(max(0.0, t_alice + 2.3 - time.time()))
        listed = {i["id"]: i["claim"] for i in review(m, "?site=s1")["items"]}
        assert listed["c0"] is None, listed
        d = claim(m, "dave", limit=10)
        assert [i["id"] for i in d["items"]] == ["c0"], d
        r = decide(m, "s1", "c0", "approve", moderator="alice")  # now dave's
        assert r.status == 409 and "dave" in r.json["error"]["message"], r
        assert decide(m, "s1", "c0", "approve", moderator="dave").status == 200


def test_claim_across_sites_takes_the_oldest_of_all(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_claimable(m)
        claim_all(m, alice_lease=300)
        post(m, "s2", "a9", spammy(100), cid="x1", name="y")
        assert release(m, "bob", ["c3", "c4"])["released"] == ["c3", "c4"]
        r = m.request("POST", "/v1/review/claim", {"limit": 3}, key=mod_key("erin"))
        assert r.status == 200, r
        assert [(i["site"], i["id"]) for i in r.json["items"]] == [
            ("s1", "c3"), ("s1", "c4"), ("s2", "x1")], r.json


# ----------------------------------------------------------------- bulk

def test_bulk_decisions_answer_each_item_as_the_single_endpoint(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        for i in range(4):
            post(m, "s1", "a1", spammy(i), cid="b%d" % i, name="u%d" % i)
        assert decide(m, "s1", "b3", "approve", moderator="mia").status == 200
        m.request("POST", "/v1/review/claim", {"site": "s1", "limit": 1},
                  key=mod_key("olga"))  # olga holds b0
        body = {"moderator": "mia", "decisions": [
            {"site": "s1", "id": "b1", "decision": "approve", "note": "ok"},
            {"site": "s1", "id": "b2", "decision": "reject", "reason": "promo"},
            {"site": "s1", "id": "zz", "decision": "reject"},
            {"site": "s1", "id": "b1", "decision": "maybe"},
            {"site": "s1", "id": "b3", "decision": "reject"},
            {"site": "s1", "id": "b3", "decision": "approve"},
            {"site": "s1", "id": "b0", "decision": "approve"},
            {"site": "s1", "id": "b1", "decision": "reject", "override": True},
            "not an object",
            {"id": "b1", "decision": "reject"},
        ]}
        r = m.request("POST", "/v1/review/decisions", body, key=MOD_KEY)
        assert r.status == 200, r
        res = r.json["results"]
        assert [x["status"] for x in res] == [200, 200, 404, 422, 409, 200, 409, 200, 422, 422], res
        assert res[0]["comment"]["status"] == "approved" and res[0]["changed"] is True
        assert res[0]["comment"]["decision"]["note"] == "ok"
        assert res[1]["comment"]["decision"]["reason"] == "promo"
        assert res[2]["error"]["code"] == "not_found"
        assert res[3]["error"]["field"] == "decision"
        assert res[4]["error"]["code"] == "already_decided"
        assert res[5]["changed"] is False  # the same decision again
        assert res[6]["error"]["code"] == "lease_held"
        assert res[7]["comment"]["status"] == "rejected"
        assert res[9]["error"]["field"] == "site"
        assert r.json["ok"] == 4 and r.json["failed"] == 6
        assert m.request("GET", "/v1/sites/s1/comments/b1").json["decision"]["by"] == "mia"
        assert m.request("GET", "/v1/sites/s1/comments/b0").json["status"] == "pending"
        assert [i["id"] for i in review(m, "?site=s1")["items"]] == ["b0"]
        au = m.request("GET", "/v1/audit?site=s1", key=MOD_KEY).json
        assert [x["comment_id"] for x in au["entries"]] == ["b3", "b1", "b2", "b1"], au


# ------------------------------------------------------------ concurrency

def test_eight_moderators_on_two_instances_decide_each_item_once(binary):
    """8 moderators on 2 instances drain 500 items: each claimed once and
    decided once; a moderator who walks away loses the items to others."""
    N, MODS, WALK = 500, 8, 20
    with Env(binary, extra_env=dict(LOW, MODQ_FLOOD_MAX="0", MODQ_THREADS="4"),
             instances=2) as env:
        ms = env.modqs

        def seed(k):
            for i in range(k, N, 4):
                c = post(ms[i % 2], "s1", "a%d" % (i % 5), spammy(i), cid="i%03d" % i,
                         name="u%d" % i)
                assert c["status"] == "pending", c

        t0 = time.time()
        th = [threading.Thread(target=seed, args=(k,)) for k in range(4)]
        [t.start() for t in th]
        [t.join() for t in th]
        assert stats(ms[0])["sites"]["s1"]["pending"] == N
        seeded = time.time() - t0

        # mallory claims the 20 oldest with a 2 s lease and walks away
        oldest = [i["id"] for i in review(ms[0], "?site=s1&limit=%d" % WALK)["items"]]
        r = ms[1].request("POST", "/v1/review/claim",
                          {"site": "s1", "limit": WALK, "lease_seconds": 2},
                          key=mod_key("mallory"))
        walked = [i["id"] for i in r.json["items"]]
        assert len(walked) == WALK and walked == oldest, (walked, oldest)

        claims = defaultdict(list)   # id -> moderators who got it
        decided = defaultdict(list)  # id -> 200 decisions
        errors = []
        lock = threading.Lock()
        deadline = time.time() + 60

        def moderator(k):
            m, who = ms[k % 2], "mod%d" % k
            while time.time() < deadline:
                r = m.request("POST", "/v1/review/claim",
                              {"site": "s1", "limit": 10, "lease_seconds": 30},
                              key=mod_key(who))
                if r.status != 200:
                    errors.append(("claim", r.status))
                    return
                got = [i["id"] for i in r.json["items"]]
                if not got:
                    if stats(m)["sites"]["s1"]["pending"] == 0:
                        return
                    time.sleep(0.2)  # mallory's items come back when her lease ends
                    continue
                with lock:
                    for i in got:
                        claims[i].append(who)
                for i in got:
                    d = decide(m, "s1", i, "approve" if int(i[1:]) % 2 else "reject", moderator=who)
                    with lock:
                        if d.status == 200:
                            decided[i].append(who)
                        else:
                            errors.append((i, d.status, d.raw[:200]))

        t1 = time.time()
        th = [threading.Thread(target=moderator, args=(k,)) for k in range(MODS)]
        [t.start() for t in th]
        [t.join() for t in th]
        drained = time.time() - t1
        assert not errors, errors[:5]
        everyone = ["i%03d" % i for i in range(N)]
        assert sorted(claims) == everyone, len(claims)
        twice = {i: w for i, w in claims.items() if len(w) != 1}
        assert not twice, list(twice.items())[:5]
        assert sorted(decided) == everyone
        assert all(len(w) == 1 and w == claims[i] for i, w in decided.items())
        for i in walked:  # came back and went to someone else
            assert claims[i][0] != "mallory"
        per_mod = Counter(w[0] for w in claims.values())
        assert len(per_mod) >= 2, per_mod  # real contention, not one thread doing it all
        st = stats(ms[1])["sites"]["s1"]
        assert st["pending"] == 0 and st["claimed"] == 0 and st["decisions_last_hour"] == N, st
        assert "link_spam" not in st["by_flag"], st
        assert review(ms[1], "?site=s1&flag=link_spam")["items"] == []
        au = ms[0].request("GET", "/v1/audit?site=s1&limit=1000", key=MOD_KEY).json
        assert au["count"] == N and au["next_cursor"] is None, au["count"]
        assert sorted(x["comment_id"] for x in au["entries"]) == everyone
        c = ms[0].request("GET", "/v1/sites/s1/comments/i007").json
        assert c["status"] == "approved" and c["decision"]["by"] == decided["i007"][0], c
        print("  seeded %d in %.1fs, drained in %.1fs by %s" % (N, seeded, drained, dict(per_mod)))
