"""test_store_learning.py - the classifier's counts in Redis follow the
decisions exactly (modq:{S}:bayes:n, :bayes:spam, :bayes:ham, and the
per-comment marker modq:{S}:learned:<id>): a repeated decision changes
nothing, an override moves a comment from one label to the other, Akismet
submissions train like decisions and is_test ones not at all."""
import test_akismet as akismet
from harness import CLIENT_KEY, Env
from test_learning import CLASSIFIER_ENV, PROMO, HAM, decide, seed, train


def counts(env, site="s1"):
    """bayes:n as [spam, ham] decisions."""
    return env.redis.cli("HMGET", "modq:{%s}:bayes:n" % site, "spam", "ham").split()


def token(env, label, t, site="s1"):
    return env.redis.cli("HGET", "modq:{%s}:bayes:%s" % (site, label), t)


def test_each_decision_counts_once_and_overrides_move_it(binary):
    with Env(binary, extra_env=CLASSIFIER_ENV) as env:
        m = env.modq
        seed(m)
        train(m, 0, len(PROMO))
        n = counts(env)
        assert n == [str(len(PROMO)), str(len(HAM))], n
        # learning follows the decision, not the request: a repeat changes
        # nothing, an override moves the comment from spam to ham
        decide(m, "spam0", "reject")
        assert counts(env) == n
        zorbex_spam = int(token(env, "spam", "zorbex"))
        assert zorbex_spam == len(PROMO)
        decide(m, "spam0", "approve", override=True)
        assert counts(env) == [str(len(PROMO) - 1), str(len(HAM) + 1)]
        assert int(token(env, "spam", "zorbex")) == zorbex_spam - 1
        assert int(token(env, "ham", "zorbex")) == 1
        decide(m, "spam0", "reject", override=True)
        assert counts(env) == n
        assert token(env, "ham", "zorbex") == ""  # back to none


def test_akismet_submissions_train_like_decisions(binary):
    site = akismet.SITE
    with Env(binary, akismet.ENV) as env:
        m = akismet.with_article(env)
        ham_id = akismet.checker(m)().headers["X-modq-id"]
        # is_test submissions train nothing
        for path in ("/1.1/submit-spam", "/1.1/submit-ham"):
            akismet.form_post(m, path, dict(akismet.base(comment_author="Unseen"),
                                            api_key=CLIENT_KEY, is_test="1"))
        assert env.redis.cli("HGETALL", "modq:{%s}:bayes:n" % site) == ""
        # the checked comment: the stored comment is what is learned
        akismet.form_post(m, "/1.1/submit-spam", dict(akismet.base(), api_key=CLIENT_KEY))
        assert env.redis.cli("EXISTS", "modq:{%s}:learned:%s" % (site, ham_id)) == "1"
        # never checked: learned from the fields
        akismet.form_post(m, "/1.1/submit-ham",
                          dict(akismet.base(comment_author="Never Checked",
                                            comment_content="A fair article."),
                               api_key=CLIENT_KEY))
        n = env.redis.cli("HGETALL", "modq:{%s}:bayes:n" % site).split()
        assert dict(zip(n[::2], n[1::2])) == {"spam": "1", "ham": "1"}, n


def test_akismet_reports_count_once_per_comment(binary):
    """The same report again trains nothing more; other comments do."""
    site = akismet.SITE
    with Env(binary, akismet.ENV) as env:
        m = akismet.with_article(env)
        for _ in range(3):
            akismet.form_post(m, "/1.1/submit-ham",
                              dict(akismet.base(comment_author="Repeat Reporter",
                                                comment_content="One fair point about the plan."),
                                   api_key=CLIENT_KEY))
        n = env.redis.cli("HGETALL", "modq:{%s}:bayes:n" % site).split()
        assert dict(zip(n[::2], n[1::2])) == {"ham": "1"}, n
        for i in range(5):
            akismet.form_post(m, "/1.1/submit-ham",
                              dict(akismet.base(comment_author="Repeat Reporter",
                                                comment_content="Fair point number %d." % i),
                                   api_key=CLIENT_KEY))
        n = env.redis.cli("HGETALL", "modq:{%s}:bayes:n" % site).split()
        assert dict(zip(n[::2], n[1::2])) == {"ham": "6"}, n


def _hash(env, key):
    v = env.redis.cli("HGETALL", key).split()
    return dict(zip(v[::2], v[1::2]))


def test_akismet_reports_never_make_an_author_trusted(binary):
    """Reports are a client's word, not a moderator's: six ham reports of an
    author's comments (each rebuilt with a new date) train the classifier
    once per comment and leave the author's and IP's reputation untouched;
    a report never changes what a moderator's decision taught."""
    site = akismet.SITE
    with Env(binary, akismet.ENV) as env:
        m = akismet.with_article(env)
        for i in range(6):
            for date in ("2026-05-01 10:00:00", "2026-05-0%d 11:00:00" % (i + 2)):
                akismet.form_post(m, "/1.1/submit-ham",
                                  dict(akismet.base(comment_author="Would Be Trusted",
                                                    comment_content="Fair point %d." % i,
                                                    comment_date_gmt=date),
                                       api_key=CLIENT_KEY))
        assert _hash(env, "modq:{%s}:bayes:n" % site) == {"ham": "6"}
        assert _hash(env, "modq:{%s}:rep:ham" % site) == {}
        # the author posts: no trusted_author discount was earned
        r = akismet.checker(m)(comment_author="Would Be Trusted", comment_content=akismet.HAM)
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (site, r.headers["X-modq-id"])).json
        assert "trusted_author" not in [f["code"] for f in got["flags"]], got
        # a moderator's decision teaches reputation; a report after it does not undo it
        decide(m, r.headers["X-modq-id"], "approve", site=site)
        rep = _hash(env, "modq:{%s}:rep:ham" % site)
        assert rep and all(v == "1" for v in rep.values()), rep
        akismet.form_post(m, "/1.1/submit-spam",
                          dict(akismet.base(comment_author="Would Be Trusted",
                                            comment_content=akismet.HAM), api_key=CLIENT_KEY))
        assert _hash(env, "modq:{%s}:rep:ham" % site) == rep
        assert _hash(env, "modq:{%s}:rep:spam" % site) == {}
        assert env.redis.cli("GET", "modq:{%s}:learned:%s" % (site, r.headers["X-modq-id"])) == "ham"
