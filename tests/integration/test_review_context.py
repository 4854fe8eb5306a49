"""test_review_context.py - what a review item shows around its comment
(article, parent, thread, author history, the identity moderators see) and
the folders, search, filters and sort of GET /v1/review, with cursors that
neither repeat nor skip while comments arrive. Real binary, real
redis-server, everything observed through the API."""
import time

from harness import CLIENT_KEY, MOD_KEY, MOD_NAME, Env, mod_key

# Pending when flagged at all; only banned words (score 1.0) reject.
LOW = {"MODQ_THRESHOLD_PENDING": "0.05", "MODQ_THRESHOLD_REJECT": "1.0",
       "MODQ_BANNED_WORDS": "zorglub"}

ARTICLE = {"title": "City council approves protected bicycle lanes on Main Street",
           "url": "https://news.example/bicycle-lanes",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision while shop owners worry about "
                   "deliveries.", "tags": ["cycling"]}

# The queue orders by ms, then id: a pause keeps posting order = queue order.
TICK_S = 0.002

# Plain texts under an unregistered article: nothing flags them (approved).
PLAIN = ["The library opening hours on Sunday suit families like mine very well.",
         "Our street finally got new lights after the storm took the old ones down.",
         "My grandmother still bakes bread for the neighbours every single Friday.",
         "The train to the coast was late again but the view made up for it.",
         "We planted tomatoes and beans this spring and the harvest looks promising.",
         "A quiet evening walk by the river is the best part of my week."]


def post(m, site, aid, text, cid, name="Ann", parent=None, **author):
    body = {"id": cid, "article_id": aid, "text": text, "author": dict(name=name, **author)}
    if parent:
        body["parent_id"] = parent
    r = m.request("POST", "/v1/sites/%s/comments" % site, body)
    assert r.status == 201, r
    time.sleep(TICK_S)
    return r.json


def spammy(i):
    """A distinct comment that link_spam flags (pending under LOW)."""
    return "Offer number %d for you, see http://promo%d.example/deal" % (i, i)


def banned(i):
    return "zorglub number %d to all of you" % i


def review(m, query, key=MOD_KEY):
    r = m.request("GET", "/v1/review" + query, key=key)
    assert r.status == 200, r
    return r.json


def pages(m, query, limit, between=None):
    """Every page of a listing (following next_cursor); between(n) runs
    after page n. Returns the items in order."""
    items, cursor, n = [], None, 0
    while True:
        q = query + "&limit=%d" % limit + ("&cursor=" + cursor if cursor else "")
        j = review(m, q)
        assert len(j["items"]) <= limit, j
        items += j["items"]
        cursor = j["next_cursor"]
        n += 1
        assert n < 200
        if not cursor:
            return items
        if between:
            between(n)


def ids(items):
    return [i["id"] for i in items]


def item(m, site, cid, status="pending"):
    found = [i for i in pages(m, "?site=%s&status=%s" % (site, status), 50) if i["id"] == cid]
    assert len(found) == 1, (cid, status)
    return found[0]


def decide(m, site, cid, decision, **extra):
    r = m.request("POST", "/v1/sites/%s/comments/%s/decision" % (site, cid),
                  dict(decision=decision, **extra), key=MOD_KEY)
    assert r.status == 200, r
    return r.json


# ------------------------------------------------------------------ context

def test_a_reply_shows_its_article_parent_and_the_thread_before_it(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        long_text = "Bicycle lanes " + "and more bicycle lanes " * 20 + "http://promo.example/x"
        post(m, "s1", "a1", spammy(0), "t0", name="Ann")
        post(m, "s1", "a1", spammy(1), "t1", name="Bob")
        post(m, "s1", "a1", long_text, "t2", name="Cid")
        post(m, "s1", "a1", spammy(3), "t3", name="Dee")
        post(m, "s1", "a1", spammy(4), "r1", name="Eve", parent="t1")
        post(m, "s1", "a1", spammy(5), "orphan", name="Fay", parent="never-stored")
        post(m, "s1", "other", spammy(6), "alone", name="Gus")
        r1 = item(m, "s1", "r1")["context"]
        assert r1["article"] == {"id": "a1", "title": ARTICLE["title"], "url": ARTICLE["url"]}
        assert r1["parent"] == {"id": "t1", "text": spammy(1), "author": {"name": "Bob"},
                                "status": "pending"}, r1["parent"]
        # the three comments just before it, oldest first
        assert ids(r1["thread"]) == ["t1", "t2", "t3"], r1["thread"]
        assert [t["author"]["name"] for t in r1["thread"]] == ["Bob", "Cid", "Dee"]
        cut = r1["thread"][1]["text"]
        assert len(cut) == 281 and cut.endswith("\u2026") and long_text.startswith(cut[:-1])
        assert r1["thread"][0]["text"] == spammy(1)
        assert set(r1["thread"][0]) == {"id", "text", "author", "status"}
        # an unknown parent, an unregistered article, the first of a thread
        orphan = item(m, "s1", "orphan")["context"]
        assert orphan["parent"] is None and ids(orphan["thread"]) == ["t2", "t3", "r1"], orphan
        alone = item(m, "s1", "alone")["context"]
        assert alone["article"] == {"id": "other", "title": None, "url": None}
        assert alone["parent"] is None and alone["thread"] == []
        assert item(m, "s1", "t0")["context"]["thread"] == []


def test_thread_neighbours_filed_in_the_older_article_index_are_shown(binary):
    """Comments stored when an article's comments were indexed in
    modq:{S}:article_comments:<article> (id -> received ms) rather than its
    listing still appear in a later item's thread, merged by arrival with
    those of the listing."""
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        for i, cid in enumerate(["o1", "n1", "o2"]):
            post(m, "s1", "a1", spammy(i), cid, name="Ann")
        post(m, "s1", "a1", spammy(9), "r1", name="Eve")
        listing = "modq:{s1}:list:a:a1"
        members = env.redis.cli("ZRANGE", listing, "0", "-1").split()
        assert [x.split(":", 1)[1] for x in members] == ["o1", "n1", "o2", "r1"], members
        # o1 and o2 as the older layout filed them: in the article index only
        for x in members:
            ms, cid = x.split(":", 1)
            if cid.startswith("o"):
                assert env.redis.cli("ZREM", listing, x) == "1"
                assert env.redis.cli("ZADD", "modq:{s1}:article_comments:a1", int(ms), cid) == "1"
        assert ids(item(m, "s1", "r1")["context"]["thread"]) == ["o1", "n1", "o2"]


def test_author_history_counts_change_after_a_decision(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        first = post(m, "s1", "a1", spammy(0), "h0", name="Ann", email="Ann@Example.org")
        post(m, "s1", "a2", spammy(1), "h1", name="Annie", email="ann@example.org")
        post(m, "s1", "a1", spammy(2), "h2", name="Ann", email="ann@example.org")
        post(m, "s1", "a1", PLAIN[0], "h3", name="Ann", email="ann@example.org")
        post(m, "s1", "a1", spammy(3), "anon", name="Anonymous")
        post(m, "s1", "a1", spammy(4), "other", name="Bob", ip="198.51.100.4")
        hist = item(m, "s1", "h2")["context"]["author_history"]
        assert {k: hist[k] for k in ("approved", "rejected", "pending")} == \
            {"approved": 1, "rejected": 0, "pending": 3}, hist
        assert hist["first_seen_ms"] == first["received_ms"]
        assert [(r["id"], r["status"], r["decided_by"]) for r in hist["recent"]] == \
            [("h3", "approved", None), ("h2", "pending", None), ("h1", "pending", None),
             ("h0", "pending", None)], hist["recent"]
        d1 = decide(m, "s1", "h0", "reject")
        d2 = decide(m, "s1", "h3", "reject", override=True)
        hist = item(m, "s1", "h2")["context"]["author_history"]
        assert {k: hist[k] for k in ("approved", "rejected", "pending")} == \
            {"approved": 0, "rejected": 2, "pending": 2}, hist
        assert [(r["id"], r["status"], r["decided_by"], r["at_ms"]) for r in hist["recent"][:2]] == \
            [("h3", "rejected", MOD_NAME, d2["decision"]["at_ms"]),
             ("h0", "rejected", MOD_NAME, d1["decision"]["at_ms"])], hist["recent"]
        assert len(hist["recent"]) == 5  # capped: h1, h2, h3 and the two decisions
        # a generic name without e-mail or IP has no history; a name with an IP has its own
        assert item(m, "s1", "anon")["context"]["author_history"] is None
        other = item(m, "s1", "other")["context"]["author_history"]
        assert (other["pending"], other["approved"], other["rejected"]) == (1, 0, 0)


def test_moderators_see_user_agent_and_masked_ip_and_email_clients_never(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        ua, ip, email = "Mozilla/5.0 (X11; Linux) ProbeAgent/7.1", "203.0.113.77", \
            "jane.doe@example.org"
        c = post(m, "s1", "a1", spammy(0), "v4", name="Jane", email=email, ip=ip,
                 user_agent=ua)
        post(m, "s1", "a1", spammy(1), "v6", name="Kim", ip="2001:db8:85a3::8a2e:370:7334")
        post(m, "s1", "a1", spammy(2), "none", name="Lee")
        assert item(m, "s1", "v4")["context"]["identity"] == \
            {"user_agent": ua, "ip": "203.0.113.x", "email": "j***@example.org"}
        assert item(m, "s1", "v6")["context"]["identity"] == \
            {"user_agent": None, "ip": "2001:db8::x", "email": None}
        assert item(m, "s1", "none")["context"]["identity"] == \
            {"user_agent": None, "ip": None, "email": None}
        # a client key: no review listing, and no identity in what it may read
        for path in ("/v1/review?site=s1", "/v1/review?site=s1&status=rejected"):
            r = m.request("GET", path, key=CLIENT_KEY)
            assert r.status == 403 and r.json["error"]["code"] == "forbidden", r
        got = m.request("GET", "/v1/sites/s1/comments/v4", key=CLIENT_KEY)
        assert got.status == 200, got
        for answer in (got.raw, m.request("POST", "/v1/sites/s1/comments",
                                          {"id": "v4", "article_id": "a1", "text": spammy(0),
                                           "author": {"name": "Jane"}}).raw,
                       str(c).encode()):
            for secret in (ua, "ProbeAgent", ip, "203.0.113", email, "jane.doe", "j***"):
                assert secret.encode() not in answer, (secret, answer[:300])


# ------------------------------------------------------------------ folders

def test_folders_list_decided_and_auto_decided_items_newest_first(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        for i in range(3):
            assert post(m, "s1", "x", PLAIN[i], "ok%d" % i, name="p%d" % i)["status"] == "approved"
        for i in range(2):
            assert post(m, "s1", "x", banned(i), "bad%d" % i, name="b%d" % i)["status"] == "rejected"
        for i in range(3):
            post(m, "s1", "x", spammy(i), "p%d" % i, name="q%d" % i)
        decide(m, "s1", "p1", "approve")
        time.sleep(TICK_S)
        decide(m, "s1", "p2", "reject")
        time.sleep(TICK_S)
        decide(m, "s1", "ok0", "reject")  # an auto-approved troll
        time.sleep(TICK_S)
        decide(m, "s1", "bad0", "approve")  # a rescued false positive
        approved = pages(m, "?site=s1&status=approved", 2)
        assert ids(approved) == ["bad0", "p1", "ok2", "ok1"], ids(approved)
        assert ids(pages(m, "?site=s1&status=rejected", 2)) == ["ok0", "p2", "bad1"]
        assert ids(pages(m, "?status=pending", 2)) == ["p0"]
        q = [i["queued_ms"] for i in approved]
        assert q == sorted(q, reverse=True), q
        assert all(i["comment"]["status"] == "approved" for i in approved)


# ----------------------------------------------------------------- filters

def seed_mix(m):
    """Pending comments with known words, authors, flags and articles.
    Returns {id: comment as answered}."""
    assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
    rows = [
        ("m0", "a1", "Bicycle LANES everywhere, see http://promo0.example/deal", "Ann",
         "ann@example.org"),
        ("m1", "a1", "Lanes for bicycles? Call 555-201-3344 now", "Bob", None),
        ("m2", "a2", "bicycle repairs cheap at http://promo2.example/fix lanes", "ann", None),
        ("m3", "a2", "Cheap watches at http://promo3.example/w", "Cid", "ANN@example.org"),
        ("m4", "a1", "Mail zed@spam.example or call 555-201-9999 for bicycle deals", "Zed", None),
        ("m5", "a1", "Bicycle bicycle bicycle http://promo5.example/b", "Dee", None),
    ]
    out = {}
    for cid, aid, text, name, email in rows:
        extra = {"email": email} if email else {}
        out[cid] = post(m, "s1", aid, text, cid, name=name, **extra)
        assert out[cid]["status"] == "pending", out[cid]
    return out


def flags_of(c):
    return {f["code"] for f in c["flags"]}


def test_q_author_flag_article_and_sort_filters_are_exact(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        mix = seed_mix(m)
        contact = sorted(i for i, c in mix.items() if "contact_info" in flags_of(c))
        assert contact == ["m1", "m4"], {i: flags_of(c) for i, c in mix.items()}
        cases = [
            ("q=bicycle%20lanes", ["m0", "m2"]),       # both words, any case, any order
            ("q=BICYCLE", ["m0", "m2", "m4", "m5"]),   # words, not parts of words
            ("q=bicycl", []),
            ("q=lanes%20watches", []),
            ("author=ANN", ["m0", "m2"]),              # the name, case folded
            ("author=ann%40example.org", ["m0", "m3"]),  # or the e-mail
            ("author=An", []),
            ("flag=contact_info", contact),
            ("flag=contact_info&sort=score", None),    # same set, score order
            ("article_id=a2", ["m2", "m3"]),
            ("article_id=a1&q=bicycle&author=dee", ["m5"]),
        ]
        def by_score(some):  # highest score as shown first, ties by id (descending)
            return sorted(some, key=lambda i: (int(mix[i]["score"] * 1000 + 0.5), i), reverse=True)

        for query, want in cases:
            for limit in (1, 2, 50):
                got = pages(m, "?site=s1&" + query, limit)
                assert ids(got) == (want if want is not None else by_score(contact)), \
                    (query, limit, ids(got))
        # sort=score over everything, every item once
        for limit in (1, 4, 50):
            got = pages(m, "?site=s1&sort=score", limit)
            assert ids(got) == by_score(mix), (limit, ids(got), {i: mix[i]["score"] for i in mix})
        # sort=age is the default order
        assert ids(pages(m, "?site=s1&sort=age", 2)) == ids(pages(m, "?site=s1", 50))


# ----------------------------------------------------------------- cursors

def test_cursors_neither_repeat_nor_skip_while_comments_arrive(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        before = {"pending": [], "rejected": []}
        for i in range(12):
            site = "s1" if i % 2 else "s2"
            post(m, site, "x", spammy(i), "p%02d" % i)
            post(m, site, "x", banned(i), "r%02d" % i)
            before["pending"].append("p%02d" % i)
            before["rejected"].append("r%02d" % i)
        n = [100]

        def arrive(_page):  # two more of each between pages, on both sites
            for site in ("s1", "s2"):
                post(m, site, "x", spammy(n[0]), "p%03d" % n[0])
                post(m, site, "x", banned(n[0]), "r%03d" % n[0])
                n[0] += 1

        # pending by age: oldest first, so arrivals come after the start;
        # every item once, in order
        got = ids(pages(m, "?status=pending", 3, arrive))
        assert len(got) == len(set(got)), got
        assert got[:12] == before["pending"], got
        assert set(got[12:]) <= {"p%03d" % k for k in range(100, n[0])}
        # the rejected folder: newest first, so arrivals sort before the
        # cursor; the items there at the start come once each, in order
        got = ids(pages(m, "?status=rejected", 3, arrive))
        assert len(got) == len(set(got)), got
        old = [i for i in got if len(i) == 3]
        assert old == before["rejected"][::-1], got
        # by score across sites: nothing repeated, nothing that was there skipped
        everything = set(ids(pages(m, "?status=pending", 200)))
        got = ids(pages(m, "?status=pending&sort=score", 4, arrive))
        assert len(got) == len(set(got)) and everything <= set(got), (got, everything)
