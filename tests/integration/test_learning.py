"""test_learning.py - learning from decisions: the per-site classifier
improves verdicts, reputation trusts good authors and marks spammers (and
their IPs and domains), all trained through the decision endpoint. The
classifier's counts themselves are checked in test_store_learning.py."""
from harness import MOD_KEY, Env

ARTICLE = {"title": "City council approves protected bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced. Cyclists welcomed the decision while shop owners worry about "
                   "deliveries.", "tags": ["cycling"]}

# Bland promotion for a made-up product: no links, no spam phrases, nothing
# the heuristics reject; only a moderator can tell it is spam.
PROMO = [
    "Zorbex Ultra capsules gave me steady energy all week, a natural formula worth trying.",
    "My brother swears by Zorbex Ultra, the natural capsules keep his energy and focus up.",
    "Since taking Zorbex Ultra every morning my focus improved, these capsules really work.",
    "Zorbex Ultra is a natural formula with vitamins, and my energy levels feel great now.",
    "Honestly Zorbex Ultra changed my mornings, two capsules and my focus stays sharp.",
    "I recommend Zorbex Ultra to my friends, its natural formula boosts energy without crashes.",
    "Zorbex Ultra capsules are the only formula that keeps my focus and energy steady.",
]
PROBE_BEFORE = "A friend gave me Zorbex Ultra capsules, natural energy and better focus all day."
PROBE_EARLY = "Zorbex Ultra works for my whole family, natural capsules with energy and focus."
PROBE_AFTER = "Try Zorbex Ultra, the natural formula in capsules for energy and clear focus."
HAM = [
    "Protected bicycle lanes on Main Street are overdue, I cycle there to work every day.",
    "Shop owners on Main Street need a delivery plan before the construction starts in spring.",
    "Losing parking spaces hurts older residents, the council should add spots on side streets.",
    "My kids could finally ride to school safely once the protected lanes are built.",
    "The council vote was close, I hope the construction budget for the lanes holds.",
    "Cyclists and drivers both benefit when bicycle lanes are separated from traffic.",
    "Delivery trucks already double park on Main Street, the plan must address loading zones.",
]
HAM_PROBE = "Spring construction on Main Street will be noisy but the bicycle lanes are worth it."


def post(m, text, cid, name, site="s1", **author):
    r = m.request("POST", "/v1/sites/%s/comments" % site,
                  {"id": cid, "article_id": "a1", "text": text,
                   "author": dict(name=name, **author)})
    assert r.status == 201, r
    return r.json


def decide(m, cid, decision, site="s1", **extra):
    r = m.request("POST", "/v1/sites/%s/comments/%s/decision" % (site, cid),
                  dict(decision=decision, moderator="mia", **extra), key=MOD_KEY)
    assert r.status == 200, r
    return r.json


def flag(c, code):
    f = [x for x in c["flags"] if x["code"] == code]
    return f[0] if f else None


def noisy_or(scores):
    keep = 1.0
    for s in scores:
        keep *= 1.0 - s
    return 1.0 - keep


CLASSIFIER_ENV = {"MODQ_LEARN_MIN_DECISIONS": "10"}


def seed(m):
    """The article, PROMO as spam0.., HAM as ham0..: the heuristics let
    every one through (the point of learning). Returns the verdict of a
    probe posted before any of them."""
    assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
    before = post(m, PROBE_BEFORE, "probe0", "Pat", ip="10.9.0.1")
    assert before["status"] == "approved" and not flag(before, "learned_spam"), before
    for i, t in enumerate(PROMO):
        c = post(m, t, "spam%d" % i, "Promo%d" % i, ip="10.8.0.%d" % i)
        assert c["status"] == "approved" and not flag(c, "learned_spam"), c
    for i, t in enumerate(HAM):
        c = post(m, t, "ham%d" % i, "Reader%d" % i, ip="10.7.0.%d" % i)
        assert c["status"] == "approved", c
    return before


def train(m, start, end):
    """Moderators reject spam<i> and approve ham<i> for i in [start, end)."""
    for i in range(start, end):
        assert decide(m, "spam%d" % i, "reject")["status"] == "rejected"
        assert decide(m, "ham%d" % i, "approve")["status"] == "approved"


def test_classifier_abstains_below_learn_min_decisions(binary):
    with Env(binary, extra_env=CLASSIFIER_ENV) as env:
        m = env.modq
        seed(m)
        train(m, 0, 4)  # 8 decisions < 10
        early = post(m, PROBE_EARLY, "probe1", "Quinn", ip="10.9.0.2")
        assert not flag(early, "learned_spam") and early["status"] == "approved", early


def test_classifier_catches_new_promotion_after_decisions(binary):
    with Env(binary, extra_env=CLASSIFIER_ENV) as env:
        m = env.modq
        before = seed(m)
        train(m, 0, len(PROMO))
        # a new promo of the same kind is now caught, by the learned signal
        after = post(m, PROBE_AFTER, "probe2", "Rita", ip="10.9.0.3")
        f = flag(after, "learned_spam")
        assert f and f["score"] >= 0.5, after
        assert f["score"] < 0.9  # alone it may send to review, never reject
        assert float(f["evidence"]) > 0.9 and "spam probability" in f["detail"], f
        assert after["status"] in ("pending", "rejected") and after["score"] > before["score"], after
        assert after["score"] >= f["score"]


def test_classifier_leaves_ordinary_comments_alone(binary):
    with Env(binary, extra_env=CLASSIFIER_ENV) as env:
        m = env.modq
        seed(m)
        train(m, 0, len(PROMO))
        ham = post(m, HAM_PROBE, "probe3", "Sara", ip="10.9.0.4")
        assert not flag(ham, "learned_spam") and ham["status"] == "approved", ham


def test_classifier_learns_per_site(binary):
    with Env(binary, extra_env=CLASSIFIER_ENV) as env:
        m = env.modq
        seed(m)
        train(m, 0, len(PROMO))
        other = post(m, PROBE_AFTER, "probe9", "Rita", site="s2", ip="10.9.0.3")
        assert not flag(other, "learned_spam"), other


def test_reputation_trusts_approved_authors(binary):
    env_ = {"MODQ_TRUST_AFTER": "3", "MODQ_LEARN_MIN_DECISIONS": "1000"}
    with Env(binary, extra_env=env_) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        tina = dict(name="Tina", email="Tina@Example.org", ip="10.2.0.1")
        for i in range(2):
            c = post(m, HAM[i], "t%d" % i, **tina)
            decide(m, c["id"], "approve")
        # a comment with a link: flagged a little; 2 approvals are not trust yet
        x = post(m, "Good point about the lanes, the full council minutes are at "
                    "http://citynews.example/minutes", "t2", **tina)
        assert not flag(x, "trusted_author") and flag(x, "link_spam"), x
        assert abs(x["score"] - noisy_or(f["score"] for f in x["flags"])) < 0.003, x
        decide(m, "t2", "approve")  # the third approval
        y = post(m, "Parking matters too, the traffic study is posted at "
                    "http://citynews.example/study", "t3", **tina)
        t = flag(y, "trusted_author")
        assert t and t["score"] == 0, y
        assert "3 approved" in t["evidence"] and "tina@" not in t["evidence"].lower(), t
        assert "0.75" in t["detail"], t
        others = [f["score"] for f in y["flags"] if f["code"] != "trusted_author"]
        assert others, y  # there was something to discount
        assert abs(y["score"] - noisy_or(others) * 0.75) < 0.003, y
        assert y["score"] < noisy_or(others)
        assert not flag(y, "reputation")
        # the same e-mail is the same author, whatever the name or case
        z = post(m, HAM[5], "t4", name="T.", email="tina@example.org", ip="10.2.9.9")
        assert flag(z, "trusted_author"), z
        # a stranger's similar comment keeps its full score
        u = post(m, "Parking matters too, the traffic study is posted at "
                    "http://othernews.example/study", "u1", name="Uma", ip="10.3.0.1")
        assert not flag(u, "trusted_author") and u["score"] > y["score"], (u, y)


def test_reputation_raises_spammers_ips_and_domains(binary):
    env_ = {"MODQ_LEARN_MIN_DECISIONS": "1000"}
    with Env(binary, extra_env=env_) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        sam = dict(name="Sam", ip="10.6.6.6", url="http://www.spam-shop.example/deals")
        s = post(m, PROMO[0], "sam1", **sam)
        decide(m, "sam1", "reject")
        # control: an unknown author's on-topic comment is clean
        ctl = post(m, HAM[0], "ctl", "Vera", ip="10.5.0.1")
        assert ctl["status"] == "approved" and not flag(ctl, "reputation"), ctl
        # sam again, on topic this time: his record follows him to review
        again = post(m, HAM[1], "sam2", **sam)
        r = flag(again, "reputation")
        assert r and r["score"] >= 0.5 and again["status"] == "pending", again
        assert "author: 1 rejected as spam, 0 approved" in r["evidence"], r
        assert again["score"] > ctl["score"] and s["score"] < again["score"]
        # another name behind the same IP: raised, less (IPs are shared)
        sid = post(m, HAM[2], "sid1", "Sid", ip="10.6.6.6")
        r = flag(sid, "reputation")
        assert r and "IP address: 1 rejected" in r["evidence"], sid
        assert "10.6.6.6" not in r["evidence"] and r["detail"]
        assert abs(r["score"] - 0.4) < 0.01 and sid["score"] < again["score"], sid
        # someone else promoting the same domain
        sue = post(m, HAM[3], "sue1", "Sue", ip="10.4.0.1", url="https://spam-shop.example/")
        r = flag(sue, "reputation")
        assert r and "domain spam-shop.example: 1 rejected" in r["evidence"], sue
        assert abs(r["score"] - 0.45) < 0.01, r
        # approvals dilute a bad record: sam's on-topic comment approved
        decide(m, "sam2", "approve")
        third = post(m, HAM[4], "sam3", **sam)
        r3 = flag(third, "reputation")
        assert r3 and r3["score"] < flag(again, "reputation")["score"], third
        assert "author: 1 rejected as spam, 1 approved" in r3["evidence"], r3
        # a reversed decision takes the spam mark back
        decide(m, "sam1", "approve", override=True)
        fourth = post(m, HAM[6], "sam4", **sam)
        assert not flag(fourth, "reputation") and fourth["status"] == "approved", fourth
