"""test_store_thread.py - the thread context by reference, and the thread
lists moderators' decisions change.

A comment is scored against its article and against the article's thread:
the latest approved comments under it (thread_context of them). Their
texts are stored in modq:{S}:thread:<article> and, next to each, its
reference (engine_thread_ref: hash and length) in
modq:{S}:threadref:<article>. The look-up reads only the references; the
texts come in a second round trip when the engine's cache lacks one of
them: a modq that never analysed them (another instance, a restart) or a
thread written before references existed. Whichever way the texts come,
the verdict must be the same -- and the thread must count at all.
"""
import copy
import re

from harness import MOD_KEY, Env
from test_review import DECISIONS, LOW as REVIEW_ENV, ON_TOPIC as REVIEW_ON_TOPIC
from test_review import decide, seed_queue, spammy

SITE = "thr"
ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision.",
           "url": "https://news.example/bike-lanes", "tags": ["cycling", "city council"]}
# on topic, and about what the article leaves out: deliveries
THREAD = [
    "The bakery on Main Street gets its flour by delivery van every morning before seven, "
    "and the bicycle lanes will take the spot where the van unloads.",
    "Loading bays behind the shops would solve the delivery problem for the bakery and "
    "the pharmacy, the lanes can stay.",
    "Delivery drivers already double park outside the pharmacy, the council should paint "
    "loading bays before spring.",
]
# shares its words with the thread, hardly any with the article
PROBE = "Where exactly would the loading bays go, behind the bakery or next to the pharmacy?"


def key(part, rest=""):
    return "modq:{%s}:%s%s" % (SITE, part, rest)


def put_article(m, aid, body=ARTICLE):
    r = m.request("PUT", "/v1/sites/%s/articles/%s" % (SITE, aid), body)
    assert r.status in (200, 201), r


def post(m, cid, aid, text, name):
    r = m.request("POST", "/v1/sites/%s/comments" % SITE,
                  {"id": cid, "article_id": aid, "text": text, "author": {"name": name}})
    assert r.status == 201, (r, m.log()[-2000:])
    return r.json


def verdict(j):
    return (j["status"], j["score"], j.get("relevance"),
            [(f["code"], f["score"], f.get("evidence")) for f in j["flags"]])


def run_thread_case(env):
    """Thread through modq0, probes through each instance; returns the
    verdicts {name: (status, score, relevance, flags)}."""
    a, b = env.modqs
    put_article(a, "bike")
    put_article(a, "bike-quiet", copy.deepcopy(ARTICLE))   # the same article, no thread
    for i, text in enumerate(THREAD):
        j = post(a, "t%d" % i, "bike", text, "neighbour%d" % i)
        assert j["status"] == "approved", ("a thread text must be approved to count", j)
    # both lists, side by side, newest first
    texts = env.redis.cli("LRANGE", key("thread:", "bike"), 0, -1).split("\n")
    refs = env.redis.cli("LRANGE", key("threadref:", "bike"), 0, -1).split()
    assert len(refs) == len(THREAD) and len(texts) == len(THREAD), (refs, texts)
    out = {}
    out["quiet"] = verdict(post(a, "p-quiet", "bike-quiet", PROBE, "asker0"))
    out["warm"] = verdict(post(a, "p-warm", "bike", PROBE, "asker1"))
    # modq1 analysed none of the thread: its cache lacks every reference
    out["other_instance"] = verdict(post(b, "p-other", "bike", PROBE, "asker2"))
    # a thread stored before references existed: texts only
    env.redis.cli("DEL", key("threadref:", "bike"))
    out["no_refs"] = verdict(post(a, "p-norefs", "bike", PROBE, "asker3"))
    return out


def check(out, mode):
    print("    thread (%s): relevance without thread %s, with it %s"
          % (mode, out["quiet"][2], out["warm"][2]))
    # the thread counts: the same probe under the same article without one
    # is less relevant
    assert out["warm"][2] > out["quiet"][2], ("the thread made no difference", out)
    for name in ("other_instance", "no_refs"):
        assert out[name] == out["warm"], (name, out[name], out["warm"])


def test_thread_by_reference(binary):
    """Pipelined path: warm cache, another instance's cold cache, and a
    thread without references all give the same verdict."""
    with Env(binary, instances=2) as env:
        check(run_thread_case(env), "pipelined")


def test_thread_by_reference_sync(binary):
    """The same on the synchronous path (pipeline_threads 0)."""
    with Env(binary, {"MODQ_PIPELINE_THREADS": "0"}, instances=2) as env:
        check(run_thread_case(env), "synchronous")


def thread_lists(env, aid):
    texts = env.redis.cli("LRANGE", key("thread:", aid), 0, -1)
    refs = env.redis.cli("LRANGE", key("threadref:", aid), 0, -1).split()
    return texts, refs


def test_review_moves_text_and_reference(binary):
    """A moderator's approval pushes the text and its reference; reversing
    it takes both back out."""
    with Env(binary, {"MODQ_THRESHOLD_PENDING": "0.3"}) as env:
        m = env.modq
        put_article(m, "bike")
        post(m, "t0", "bike", THREAD[0], "neighbour0")
        held = "Loading bays are described at http://bays.example/plan and http://bays.example/map"
        r = m.request("POST", "/v1/sites/%s/comments" % SITE,
                      {"id": "h1", "article_id": "bike", "text": held, "author": {"name": "h"}})
        assert r.status == 201 and r.json["status"] == "pending", r
        texts, refs = thread_lists(env, "bike")
        assert len(refs) == 1 and held not in texts, (texts, refs)

        def decide(decision, **extra):
            body = dict(decision=decision, moderator="mia", **extra)
            d = m.request("POST", "/v1/sites/%s/comments/h1/decision" % SITE, body, key=MOD_KEY)
            assert d.status == 200, d
        decide("approve")
        texts, refs = thread_lists(env, "bike")
        assert held in texts and len(refs) == 2, (texts, refs)
        # newest first: the held comment's reference, "<16 hex>:<bytes>"
        assert re.fullmatch(r"[0-9a-f]{16}:%d" % len(held.encode()), refs[0]), refs
        decide("reject", override=True)
        texts2, refs2 = thread_lists(env, "bike")
        assert held not in texts2 and refs2 == refs[1:], (texts2, refs2, refs)


def test_decisions_move_texts_in_and_out_of_the_thread(binary):
    """The review sequence of test_review.py: an approval pushes the text on
    the thread list, reversing it takes it back out, and rejecting an
    auto-approved comment takes its text out too."""
    with Env(binary, extra_env=REVIEW_ENV) as env:
        m = env.modq
        seed_queue(m)
        review_site_thread = "modq:{s1}:thread:a1"

        def thread():
            return env.redis.cli("LRANGE", review_site_thread, 0, -1)
        assert REVIEW_ON_TOPIC in thread()   # good1, approved when posted
        for n, (cid, d, who, extra) in enumerate(DECISIONS):
            decide(m, "s1", cid, d, moderator=who, **extra)
            if n == 0:     # p0 approved
                assert spammy(0) in thread()
            elif n == 3:   # p0 rejected by override
                assert spammy(0) not in thread()
            elif n == 5:   # good1 rejected
                assert REVIEW_ON_TOPIC not in thread()
