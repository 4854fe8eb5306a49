/* test_abuse.c - unit tests for the abuse grammar (abuse.c) and the five
 * abuse detectors (det_insult.c, det_threat.c, det_identity_attack.c,
 * det_profanity.c, det_sexual.c): the lexicon, de-obfuscation, each shape
 * and its hard negatives, the calibration (a clear direct case reaches
 * pending, undirected swearing never does, negation drops, reported speech
 * is discounted), and the identity-group templates of
 * tests/fixtures/bias_templates.json: no neutral template is flagged, and
 * reported abuse scores lower than the abuse itself for every group.
 * Run from the repository root (or pass the fixture's path).
 */
#include <jansson.h>
#include <stdlib.h>

#include "abuse.h"
#include "engine.h"
#include "unit.h"

static const char *const ABUSE_CODES[] = {"insult", "threat", "identity_attack",
                                          "profanity", "sexual", NULL};

static engine *eng;
static engine_session *ses;

static void score(const char *text, engine_verdict *v) {
    engine_error err;
    engine_comment c = {.text = text, .text_len = strlen(text)};
    engine_features *f = NULL;
    memset(v, 0, sizeof *v);
    CHECK(engine_prepare(ses, &c, &f, &err) == 0);
    if (f)
        engine_score(ses, f, &c, NULL, v);
    engine_features_free(f);
}

static const engine_flag *flag_of(const engine_verdict *v, const char *code) {
    for (size_t i = 0; i < v->nflags; i++)
        if (strcmp(v->flags[i].code, code) == 0)
            return &v->flags[i];
    return NULL;
}

/* Score of code's flag in text's verdict, 0 when not raised. */
static double flag_score(const char *text, const char *code) {
    engine_verdict v;
    score(text, &v);
    const engine_flag *fl = flag_of(&v, code);
    return fl ? fl->score : 0;
}

/* Highest abuse flag of text's verdict. */
static double abuse_score(const char *text) {
    double m = 0;
    for (size_t i = 0; ABUSE_CODES[i]; i++) {
        double s = flag_score(text, ABUSE_CODES[i]);
        if (s > m)
            m = s;
    }
    return m;
}

static engine_status status_of(const char *text) {
    engine_verdict v;
    score(text, &v);
    return v.status;
}

/* ------------------------------------------------------------------------ */

static void test_lexicon_sorted_and_found(void) {
    size_t n = abuse_lexicon_size();
    CHECK(n > 100);
    for (size_t i = 0; i < n; i++) {
        const char *w = abuse_lexicon_word(i);
        CHECK(w && strlen(w) <= ABUSE_WORD_MAX);
        if (i > 0)
            CHECK(strcmp(abuse_lexicon_word(i - 1), w) < 0);
        CHECK(abuse_lookup(w, strlen(w)) != 0);
    }
    CHECK(abuse_lexicon_word(n) == NULL);
}

static void test_lookup_plural_and_masks(void) {
    CHECK(abuse_lookup("idiot", 5) & ABUSE_INS_N);
    CHECK(abuse_lookup("idiots", 6) & ABUSE_INS_N);
    CHECK(abuse_lookup("f?ck", 4) & ABUSE_PROF);
    CHECK(abuse_lookup("f??k", 4) & ABUSE_PROF);
    CHECK(abuse_lookup("?uck", 4) == 0); /* a mask never opens a word */
    CHECK(abuse_lookup("teacher", 7) == 0);
    CHECK(abuse_lookup("muslims", 7) & ABUSE_GROUP);
    CHECK(abuse_lookup("vermin", 6) & ABUSE_DEHUM);
    /* "-es" is a plural after a sibilant only: "rates" is not "rat" */
    CHECK(abuse_lookup("bitches", 7) & ABUSE_INS_N);
    CHECK(abuse_lookup("rats", 4) & ABUSE_INS_N);
    CHECK(!(abuse_lookup("rates", 5) & ABUSE_INS_N));
}

static void test_insult_shapes(void) {
    CHECK(flag_score("you are an idiot", "insult") >= 0.5);
    CHECK(flag_score("Read it again, you stupid moron.", "insult") >= 0.5);
    CHECK(flag_score("What a moron you are.", "insult") >= 0.5);
    CHECK(flag_score("You're so pathetic.", "insult") >= 0.5);
    CHECK(flag_score("Fuck you and your opinions.", "insult") >= 0.5);
    CHECK(flag_score("idiots like you ruin every thread", "insult") >= 0.5);
    CHECK(status_of("you are an idiot") == ENGINE_PENDING);
}

static void test_insult_negatives(void) {
    CHECK(flag_score("you are not an idiot", "insult") == 0);
    CHECK(flag_score("you're no fool", "insult") == 0);
    CHECK(flag_score("I don't think you are an idiot at all", "insult") == 0);
    CHECK(flag_score("Don't let the salesman fool you.", "insult") == 0);
    CHECK(flag_score("Find the tiny screw you dropped.", "insult") == 0);
    CHECK(flag_score("I'm such an idiot, I forgot my keys.", "insult") == 0);
    CHECK(flag_score("The pig was sold at the county show.", "insult") == 0);
    CHECK(flag_score("Thank you, that was helpful.", "insult") == 0);
}

static void test_reported_discounted(void) {
    double direct = abuse_score("What a moron you are.");
    double quoted = abuse_score("Someone wrote \"what a moron you are\" under "
                                "my photo.");
    CHECK(direct >= 0.5 && quoted < 0.5 && quoted < direct);
    CHECK(abuse_score("He called me an idiot and I reported it.") < 0.5);
}

static void test_threat_shapes(void) {
    CHECK(flag_score("I hope your family dies", "threat") >= 0.5);
    CHECK(flag_score("kill yourself", "threat") >= 0.5);
    CHECK(flag_score("kys", "threat") >= 0.5);
    CHECK(flag_score("I will find you and hurt you", "threat") >= 0.5);
    CHECK(flag_score("You deserve to die.", "threat") >= 0.5);
    CHECK(flag_score("I know where you live.", "threat") >= 0.5);
    /* second person weighs more than third */
    CHECK(flag_score("I hope you die", "threat") >
          flag_score("I hope he dies", "threat"));
    /* never rejected alone */
    CHECK(status_of("I will find you and hurt you") == ENGINE_PENDING);
    /* "you'll" is of no lexicon class and still opens the conveyance and
     * retribution shapes (the rules skip other unclassed words) */
    CHECK(flag_score("you'll leave in a box", "threat") >= 0.5);
    CHECK(flag_score("you'll pay for this", "threat") >= 0.5);
}

static void test_threat_negatives(void) {
    CHECK(flag_score("I would never hurt you", "threat") == 0);
    CHECK(flag_score("This tax will kill the high street.", "threat") == 0);
    CHECK(flag_score("The traffic is killing me.", "threat") == 0);
    CHECK(flag_score("I'll shoot you a message later.", "threat") == 0);
    CHECK(flag_score("Don't kill yourself over the exam.", "threat") == 0);
    CHECK(flag_score("I hope you feel better soon.", "threat") == 0);
    CHECK(flag_score("You are dead right about the budget.", "threat") == 0);
}

static void test_identity_shapes(void) {
    CHECK(flag_score("Muslims are animals", "identity_attack") >= 0.5);
    CHECK(flag_score("Immigrants should be deported.", "identity_attack") >= 0.5);
    CHECK(flag_score("Gay people are disgusting.", "identity_attack") >= 0.5);
    CHECK(flag_score("Kill all the Jews", "identity_attack") >
          flag_score("Ban all the Jews", "identity_attack"));
    CHECK(flag_score("Refugees breed like rabbits.", "identity_attack") >= 0.5);
}

static void test_identity_negatives(void) {
    CHECK(flag_score("Immigrants are not criminals.", "identity_attack") == 0);
    CHECK(flag_score("Not all Muslims are terrorists.", "identity_attack") == 0);
    CHECK(flag_score("Refugees should be welcomed.", "identity_attack") == 0);
    CHECK(flag_score("Jews were killed in the Holocaust.", "identity_attack") == 0);
    CHECK(flag_score("Black people are disproportionately stopped by police.",
                     "identity_attack") == 0);
}

static void test_profanity_below_pending(void) {
    CHECK(flag_score("holy shit that goal", "profanity") > 0);
    CHECK(status_of("holy shit that goal") == ENGINE_APPROVED);
    CHECK(status_of("this damn tap again") == ENGINE_APPROVED);
    CHECK(status_of("holy shit, what a fucking goal") == ENGINE_APPROVED);
    /* three strong swear words of the writer's own are a rant: a moderator
     * looks, nothing rejects it; quoted or reported they stay style */
    CHECK(status_of("shit shit shit fuck this fucking bus") == ENGINE_PENDING);
    CHECK(status_of("he shouted \"shit shit fuck\" at the bus") == ENGINE_APPROVED);
    CHECK(flag_score("f*ck this weather", "profanity") > 0);
    CHECK(flag_score("f.u.c.k this weather", "profanity") > 0);
    CHECK(flag_score("sh1t weather", "profanity") > 0);
    CHECK(flag_score("a$$hole driver", "profanity") > 0);
    CHECK(flag_score("We drove through Scunthorpe.", "profanity") == 0);
    /* aimed at someone it is an insult, and adds to it */
    CHECK(abuse_score("f.u.c.k you") >= 0.5);
}

static void test_sexual_shapes(void) {
    CHECK(flag_score("send nudes", "sexual") >= 0.5);
    CHECK(flag_score("I want to fuck you", "sexual") >= 0.5);
    CHECK(flag_score("suck my dick", "sexual") >= 0.5);
    CHECK(flag_score("you're so sexy", "sexual") < 0.5);
    CHECK(status_of("Sex education should cover consent.") == ENGINE_APPROVED);
    CHECK(flag_score("I'll screw you over on the deal", "sexual") == 0);
}

static void test_long_comment_views(void) {
    /* abuse past the first view of words is still read */
    size_t reps = 700, n = 0;
    char *buf = malloc(reps * 6 + 64);
    CHECK(buf != NULL);
    if (!buf)
        return;
    for (size_t i = 0; i < reps; i++) {
        memcpy(buf + n, "word. ", 6);
        n += 6;
    }
    strcpy(buf + n, "you are an idiot");
    CHECK(flag_score(buf, "insult") >= 0.5);
    free(buf);
}

/* ------------------------------------------------------------------------ */
/* Bias templates                                                            */
/* ------------------------------------------------------------------------ */

#define BIAS_TEXT_MAX 512

/* t with {adj} and {plural} replaced by g's words, into out. */
static void expand(const char *t, json_t *g, char *out, size_t cap) {
    const char *adj = json_string_value(json_object_get(g, "adj"));
    const char *plural = json_string_value(json_object_get(g, "plural"));
    size_t n = 0;
    while (*t && n + 1 < cap) {
        const char *rep = NULL;
        size_t skip = 0;
        if (strncmp(t, "{adj}", 5) == 0)
            rep = adj, skip = 5;
        else if (strncmp(t, "{plural}", 8) == 0)
            rep = plural, skip = 8;
        if (rep) {
            size_t k = strlen(rep);
            if (n + k + 1 >= cap)
                break;
            memcpy(out + n, rep, k);
            n += k;
            t += skip;
        } else {
            out[n++] = *t++;
        }
    }
    out[n] = '\0';
}

static const char *fixture_path = "tests/fixtures/bias_templates.json";

static void test_bias_templates(void) {
    json_error_t jerr;
    json_t *root = json_load_file(fixture_path, 0, &jerr);
    CHECK(root != NULL);
    if (!root)
        return;
    json_t *groups = json_object_get(root, "groups");
    json_t *neutral = json_object_get(root, "neutral");
    json_t *reported = json_object_get(root, "reported");
    CHECK(json_array_size(groups) >= 20 && json_array_size(neutral) >= 10 &&
          json_array_size(reported) >= 5);
    char text[BIAS_TEXT_MAX];
    size_t gi, ti, flagged = 0, pairs = 0, inverted = 0;
    json_t *g, *t;
    json_array_foreach(groups, gi, g) {
        json_array_foreach(neutral, ti, t) {
            expand(json_string_value(t), g, text, sizeof text);
            engine_verdict v;
            score(text, &v);
            int bad = v.status != ENGINE_APPROVED;
            for (size_t c = 0; ABUSE_CODES[c]; c++)
                bad |= flag_of(&v, ABUSE_CODES[c]) != NULL &&
                       strcmp(ABUSE_CODES[c], "profanity") != 0;
            if (bad) {
                fprintf(stderr, "  neutral template flagged: %s\n", text);
                flagged++;
            }
        }
        json_array_foreach(reported, ti, t) {
            char direct[BIAS_TEXT_MAX];
            expand(json_string_value(json_object_get(t, "direct")), g, direct,
                   sizeof direct);
            expand(json_string_value(json_object_get(t, "reported")), g, text,
                   sizeof text);
            double d = abuse_score(direct), r = abuse_score(text);
            pairs++;
            if (!(d >= 0.5 && r < d && r < 0.5)) {
                fprintf(stderr, "  direct %.2f <= reported %.2f: \"%s\" / \"%s\"\n",
                        d, r, direct, text);
                inverted++;
            }
        }
    }
    CHECK(flagged == 0);
    CHECK(pairs > 0 && inverted == 0);
    json_decref(root);
}

int main(int argc, char **argv) {
    if (argc > 1)
        fixture_path = argv[1];
    engine_config cfg;
    engine_error err;
    engine_config_defaults(&cfg);
    eng = engine_new(&cfg, &err);
    ses = eng ? engine_session_new(eng) : NULL;
    if (!ses) {
        fprintf(stderr, "test_abuse: no engine\n");
        return 1;
    }
    UNIT_RUN(test_lexicon_sorted_and_found);
    UNIT_RUN(test_lookup_plural_and_masks);
    UNIT_RUN(test_insult_shapes);
    UNIT_RUN(test_insult_negatives);
    UNIT_RUN(test_reported_discounted);
    UNIT_RUN(test_threat_shapes);
    UNIT_RUN(test_threat_negatives);
    UNIT_RUN(test_identity_shapes);
    UNIT_RUN(test_identity_negatives);
    UNIT_RUN(test_profanity_below_pending);
    UNIT_RUN(test_sexual_shapes);
    UNIT_RUN(test_long_comment_views);
    UNIT_RUN(test_bias_templates);
    engine_session_free(ses);
    engine_free(eng);
    return unit_report("unit");
}
