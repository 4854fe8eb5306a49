"""test_store_cache.py - the per-instance look-up cache (store_cache) is
never seen: a warm instance answers a comment exactly as a fresh one (empty
cache) does on the same Redis, after article puts that change document
frequencies (each bumps modq:{S}:dfver), after a FLUSHALL and a re-seed that
brings the same number of puts, and when the classifier crosses
learn_min_decisions. Redis' commandstats show what the cache saves: no df
HMGET for known stems, no token HMGETs while the classifier cannot vote."""
import subprocess
import time

from harness import MOD_KEY, Env, Modq

SITE = "cache"
WORDS = ("orchard harbor lantern meadow copper violin glacier saddle pepper canyon "
         "marble falcon cotton walnut thunder ribbon quarry velvet compass timber "
         "hammock pigeon crystal lagoon biscuit tractor mustard anchor blossom ferry").split()
# article C, which the probe comments answer; it is never changed, so their
# verdicts move only with the site's df and ndocs
ARTICLE_C = {"title": "Volunteers restore the old orchard by the harbor",
             "body": "Volunteers planted walnut and pepper trees in the orchard near the "
                     "harbor lantern path. The meadow will host a copper violin concert and "
                     "a glacier saddle exhibition next month."}
# shares two stems with C: its relevance is mid-range (about 0.5), where a
# change of their df shows in the third decimal (a fully on-topic comment
# saturates at 1.0 whatever the df)
PROBE = "Walnut and pepper, what a combination; my grandmother used to grow both."
# article A first shares none of the probe's stems, then (update) several
ARTICLE_A = {"title": "Ferry timetable changes for the winter",
             "body": "The ferry company publishes a winter timetable with fewer crossings."}
ARTICLE_A2 = {"title": "Ferry timetable changes for the winter",
              "body": "The ferry to the orchard harbor gets a lantern walnut pepper stop, "
                      "near the meadow where the violin concert happens."}
ARTICLE_B = {"title": "Harbor festival with a violin quartet",
             "body": "The harbor festival brings a violin quartet and lantern boats."}


def filler(i, shift=0):
    w = [WORDS[(i * 7 + k + shift) % len(WORDS)] for k in range(4)]
    return {"title": "Notes on %s and %s" % (w[0], w[1]),
            "body": "A short piece about %s, %s, %s and %s number %d." % (w[0], w[1], w[2],
                                                                        w[3], i)}


def put(m, aid, art, site=SITE):
    r = m.request("PUT", "/v1/sites/%s/articles/%s" % (site, aid), art)
    assert r.status in (200, 201), r


def seed(m, article_a, shift=0):
    """30 filler articles (enough documents for the site df to weigh in
    relevance), C and A."""
    for i in range(30):
        put(m, "f%d" % i, filler(i, shift))
    put(m, "c", ARTICLE_C)
    put(m, "a", article_a)


def dfver(env, site=SITE):
    v = env.redis.cli("GET", "modq:{%s}:dfver" % site)
    return int(v) if v else 0


def forget_comments(env, site=SITE):
    """Drop what posting a comment leaves behind (duplicate keys, flood
    counters, thread texts), so the next post of the same text meets the
    same state wherever it is posted."""
    for pattern in ("dup:*", "flood:*", "thread:*"):
        out = subprocess.run(["redis-cli", "-p", str(env.redis.port), "--scan", "--pattern",
                              "modq:{%s}:%s" % (site, pattern)],
                             capture_output=True, text=True, timeout=10).stdout.split()
        for k in out:
            env.redis.cli("DEL", k)


def stats(env):
    """Calls per command since the last CONFIG RESETSTAT."""
    out = {}
    for line in env.redis.cli("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_"):
            name, rest = line[len("cmdstat_"):].split(":", 1)
            out[name] = int(rest.split(",")[0].split("=")[1])
    return out


def df_multi(st):
    """MULTIs of the df look-up among those of one posted comment: its
    write is one MULTI/EXEC transaction of its own."""
    assert st.get("exec", 0) == st.get("multi", 0), st
    return st.get("multi", 0) - 1


def verdict(c):
    return {k: c.get(k) for k in ("status", "score", "relevance", "flags")}


def post(env, m, cid, text, aid="c", name="Ann", ip="10.1.0.1", site=SITE):
    """Post with a clean comment state; returns (comment JSON, commandstats)."""
    forget_comments(env, site)
    env.redis.cli("CONFIG", "RESETSTAT")
    r = m.request("POST", "/v1/sites/%s/comments" % site,
                  {"id": cid, "article_id": aid, "text": text,
                   "author": {"name": name, "ip": ip}})
    assert r.status == 201, r
    return r.json, stats(env)


def fresh(env, extra_env=None):
    m = Modq(env.modq.binary, env.tmp, env.redis.port, extra_env,
             "fresh%d" % len(env.modqs)).start()
    env.modqs.append(m)  # stopped (and checked for sanitizer findings) by env
    return m


def warm_up(env):
    """Seeds the site and posts the probe twice through the first instance
    (w0, w1). Returns (version, first verdict, second verdict, second's
    commandstats)."""
    w = env.modq
    seed(w, ARTICLE_A)
    v0 = dfver(env)
    c0, _ = post(env, w, "w0", PROBE)
    c1, st = post(env, w, "w1", PROBE)
    return v0, c0, c1, st


def put_b(env):
    """Article B (new stems for the probe's df, one more document), the
    probe through the warm instance and through a fresh one (f1). Returns
    (version, warm verdict, its commandstats, f1, f1's verdict)."""
    w = env.modq
    put(w, "b", ARTICLE_B)
    v1 = dfver(env)
    c2, st = post(env, w, "w2", PROBE)
    f1 = fresh(env)
    c2f, _ = post(env, f1, "f2", PROBE)
    return v1, c2, st, f1, c2f


def put_a2(env, f1):
    """A now shares the probe's stems (only df changes: not ndocs, not C),
    put twice; the probe through the warm instance, a fresh one and f1.
    Returns (version after the first put, after the second, warm verdict,
    its commandstats, fresh verdict, f1's verdict)."""
    w = env.modq
    put(w, "a", ARTICLE_A2)
    v2 = dfver(env)
    put(w, "a", ARTICLE_A2)  # the same again: df unchanged
    v2b = dfver(env)
    c3, st = post(env, w, "w3", PROBE)
    f2 = fresh(env)
    c3f, _ = post(env, f2, "f3", PROBE)
    c3g, _ = post(env, f1, "g3", PROBE)
    return v2, v2b, c3, st, c3f, c3g


def test_known_stems_come_from_the_cache(binary):
    with Env(binary) as env:
        v0, c0, c1, st = warm_up(env)
        assert v0 > 0
        # the same text again: every stem is cached at the current version,
        # so no df HMGET (and no MULTI), and dfver rides the MGET (no GET);
        # the learner totals are cached at the learner version the MGET
        # reads: only the two reputation HMGETs
        assert verdict(c1) == verdict(c0)
        assert st.get("hmget") == 2 and df_multi(st) == 0, st
        assert st.get("get", 0) == 0, st


def test_article_put_makes_the_cached_df_stale(binary):
    with Env(binary) as env:
        v0 = warm_up(env)[0]
        v1, c2, st, _, c2f = put_b(env)
        assert v1 > v0
        # the cached df were read at v0: a second round trip (one MULTI)
        # reads them all again (df and the two reputation HMGETs)
        assert df_multi(st) == 1 and st.get("hmget") == 3, st
        assert verdict(c2) == verdict(c2f), (c2, c2f)


def test_changed_df_shows_alike_on_warm_and_fresh_instances(binary):
    with Env(binary) as env:
        warm_up(env)
        v1, _, _, f1, c2f = put_b(env)
        v2, v2b, c3, st, c3f, c3g = put_a2(env, f1)
        assert v2 > v1
        assert v2b == v2  # the same article again: no new version
        assert df_multi(st) == 1, st
        assert verdict(c3) == verdict(c3f), (c3, c3f)
        # the df change is visible in the verdict: a stale df would show
        assert c3f["relevance"] != c2f["relevance"], (c2f, c3f)
        # the earlier fresh instance, warm since, agrees too
        assert verdict(c3g) == verdict(c3f)


def test_flushall_never_brings_back_a_known_df_version(binary):
    """FLUSHALL and a re-seed with as many df-changing puts as before,
    other contents: dfver must not come back to a number the warm instances
    know, or they would serve the old df."""
    with Env(binary) as env:
        w = env.modq
        warm_up(env)
        _, _, _, f1, _ = put_b(env)
        c3f = put_a2(env, f1)[4]
        known = dfver(env)
        env.redis.cli("FLUSHALL")
        assert dfver(env) == 0
        seed(w, ARTICLE_A2, shift=3)
        put(w, "b", ARTICLE_B)
        put(w, "a", ARTICLE_A)
        assert dfver(env) != known
        c4, _ = post(env, w, "w4", PROBE)
        c4g, _ = post(env, f1, "g4", PROBE)
        f3 = fresh(env)
        c4f, _ = post(env, f3, "f4", PROBE)
        assert verdict(c4) == verdict(c4f) == verdict(c4g), (c4, c4g, c4f)
        assert c4f["relevance"] != c3f["relevance"], (c3f, c4f)


def test_failed_lookup_caches_nothing(binary):
    with Env(binary) as env:
        w = env.modq
        seed(w, ARTICLE_A2)
        # the instance knows the site's df version; the probe's stems are new
        post(env, w, "w0", "Ferry boats at night are a pretty sight from the pier.")
        ver = dfver(env)
        # df turns into a string: the HMGET inside the look-up's MULTI fails
        key = "modq:{%s}:df" % SITE
        env.redis.cli("RENAME", key, key + "_saved")
        env.redis.cli("SET", key, "not a hash")
        post(env, w, "e1", PROBE)  # looked up in vain: analysed alone, spooled
        env.redis.cli("DEL", key)
        env.redis.cli("RENAME", key + "_saved", key)
        assert dfver(env) == ver  # df restored as it was, same version
        for _ in range(100):  # the spooled comment reaches Redis
            if env.redis.cli("EXISTS", "modq:{%s}:comment:e1" % SITE) == "1":
                break
            time.sleep(0.1)
        assert env.redis.cli("EXISTS", "modq:{%s}:comment:e1" % SITE) == "1"
        # nothing of the failed look-up was filed: the stems are read again
        c, st = post(env, w, "w1", PROBE)
        assert st.get("hmget") == 3 and df_multi(st) == 1, st
        f = fresh(env)
        cf, _ = post(env, f, "f1", PROBE)
        assert verdict(c) == verdict(cf), (c, cf)

# bland promotion and ordinary replies (as in test_learning.py)
PROMO = [
    "Zorbex Ultra capsules gave me steady energy all week, a natural formula worth trying.",
    "My brother swears by Zorbex Ultra, the natural capsules keep his energy and focus up.",
    "Since taking Zorbex Ultra every morning my focus improved, these capsules really work.",
]
HAM = [
    "The orchard volunteers deserve thanks, the walnut trees by the harbor look healthy.",
    "A violin concert in the meadow is a lovely idea for the orchard opening weekend.",
    "Pepper trees near the lantern path will need watering, I can help on Saturdays.",
]
PROBE_SPAM = "Try Zorbex Ultra, the natural formula in capsules for energy and clear focus."


def decide(m, cid, decision):
    r = m.request("POST", "/v1/sites/%s/comments/%s/decision" % (SITE, cid),
                  {"decision": decision, "moderator": "mia"}, key=MOD_KEY)
    assert r.status == 200, r


def test_learner_tokens_only_when_it_can_vote(binary):
    cfg = {"MODQ_LEARN_MIN_DECISIONS": "6"}
    with Env(binary, extra_env=cfg) as env:
        w = env.modq
        put(w, "c", ARTICLE_C)
        # the site's totals are unknown: the token counts are asked for
        _, st = post(env, w, "p0", PROBE_SPAM, name="Zed", ip="10.3.0.1")
        assert st.get("hmget") == 6, st  # df, bayes:spam, :ham, :n, rep:spam, :ham
        # known now (no decisions), at the learner version the MGET reads:
        # the reputation only
        _, st = post(env, w, "p1", PROBE_SPAM, name="Zed", ip="10.3.0.1")
        assert st.get("hmget") == 2, st
        below = st["hmget"]
        for i, t in enumerate(PROMO):
            post(env, w, "s%d" % i, t, name="Promo%d" % i, ip="10.4.0.%d" % i)
        for i, t in enumerate(HAM):
            post(env, w, "h%d" % i, t, name="Reader%d" % i, ip="10.5.0.%d" % i)
        for i in range(len(PROMO) - 1):
            decide(w, "s%d" % i, "reject")
            decide(w, "h%d" % i, "approve")
        # 4 decisions < 6: still no token counts; the decisions changed the
        # learner version, so a second round trip reads bayes:n again (with
        # the token counts, in case the new totals let the classifier vote)
        _, st = post(env, w, "p2", PROBE_SPAM, name="Zed", ip="10.3.0.1")
        assert st.get("hmget") == 5, st
        _, st = post(env, w, "p2b", PROBE_SPAM, name="Zed", ip="10.3.0.1")
        assert st.get("hmget") == 2, st
        decide(w, "s%d" % (len(PROMO) - 1), "reject")
        decide(w, "h%d" % (len(HAM) - 1), "approve")
        assert env.redis.cli("HMGET", "modq:{%s}:bayes:n" % SITE, "spam", "ham").split() == \
            ["3", "3"]

        # 6 decisions: the cached totals (2/2) said "cannot vote" and are of
        # an older learner version: a second round trip fetches bayes:n and
        # the tokens
        c, st = post(env, w, "p3", PROBE_SPAM, name="Zed", ip="10.3.0.1")
        assert st.get("hmget") == 5 and df_multi(st) == 0, st
        assert any(f["code"] == "learned_spam" for f in c["flags"]), c
        f = fresh(env, cfg)
        cf, _ = post(env, f, "q3", PROBE_SPAM, name="Zed", ip="10.3.0.1")
        assert verdict(c) == verdict(cf), (c, cf)
        # from now on in the first round trip: the tokens and the reputation
        c4, st = post(env, w, "p4", PROBE_SPAM, name="Zed", ip="10.3.0.1")
        assert st.get("hmget") == 4 and st["hmget"] > below, st
        assert verdict(c4) == verdict(cf)
