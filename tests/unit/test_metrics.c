/* test_metrics.c - label sets (routes, flag codes, statuses) come from the
 * caller; everything else is counted under "other". */
#include <stdlib.h>

#include "metrics.h"
#include "unit.h"

static const char *const ROUTES[] = {"healthz", "webhook", "webhook", "coral"};
static const char *const FLAGS[] = {"off_topic", "duplicate", "trusted_author"};
static const int STATUSES[] = {200, 404, 422, 404};

static metrics *make(void) {
    metrics_labels l = {ROUTES, 4, FLAGS, 3, STATUSES, 4};
    metrics *m = metrics_new(&l);
    CHECK(m != NULL);
    return m;
}

static char *render(metrics *m) {
    metrics_gauges g = {0};
    size_t len = 0;
    char *t = metrics_render(m, &g, &len);
    CHECK(t != NULL && strlen(t) == len);
    return t;
}

/* Occurrences of needle in hay. */
static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static void test_requests_are_counted_under_the_callers_route_names(void) {
    metrics *m = make();
    metrics_request(m, "healthz", 200, 0.001);
    metrics_request(m, "webhook", 404, 0.001);
    metrics_request(m, "webhook", 404, 0.001);
    metrics_request(m, "coral", 422, 0.001);
    char *t = render(m);
    CHECK(strstr(t, "modq_http_requests_total{route=\"healthz\",status=\"200\"} 1\n") != NULL);
    CHECK(strstr(t, "modq_http_requests_total{route=\"webhook\",status=\"404\"} 2\n") != NULL);
    CHECK(strstr(t, "modq_http_requests_total{route=\"coral\",status=\"422\"} 1\n") != NULL);
    CHECK(count(t, "route=\"webhook\"") == 1); /* a repeated name is one label */
    CHECK(count(t, "status=\"404\"") == 1);    /* so is a repeated status */
    CHECK(strstr(t, "modq_http_request_duration_seconds_count 4\n") != NULL);
    free(t);
    metrics_free(m);
}

static void test_unknown_route_and_status_go_to_other(void) {
    metrics *m = make();
    metrics_request(m, "no_such_route", 200, 0);
    metrics_request(m, NULL, 404, 0);
    metrics_request(m, "healthz", 299, 0);
    metrics_request(m, "healthz", 503, 0); /* a status outside the set */
    char *t = render(m);
    CHECK(strstr(t, "modq_http_requests_total{route=\"other\",status=\"200\"} 1\n") != NULL);
    CHECK(strstr(t, "modq_http_requests_total{route=\"other\",status=\"404\"} 1\n") != NULL);
    CHECK(strstr(t, "modq_http_requests_total{route=\"healthz\",status=\"other\"} 2\n") != NULL);
    CHECK(strstr(t, "status=\"503\"") == NULL);
    CHECK(strstr(t, "no_such_route") == NULL);
    free(t);
    metrics_free(m);
}

static void test_flag_codes_are_the_callers_then_other(void) {
    metrics *m = make();
    metrics_flag(m, "duplicate");
    metrics_flag(m, "duplicate");
    metrics_flag(m, "made_up");
    char *t = render(m);
    const char *want = "modq_flags_total{code=\"off_topic\"} 0\n"
                       "modq_flags_total{code=\"duplicate\"} 2\n"
                       "modq_flags_total{code=\"trusted_author\"} 0\n"
                       "modq_flags_total{code=\"other\"} 1\n";
    CHECK(strstr(t, want) != NULL);
    CHECK(strstr(t, "made_up") == NULL);
    free(t);
    metrics_free(m);
}

static void test_other_given_by_the_caller_is_the_one_bucket(void) {
    static const char *const flags[] = {"other", "shouting", "other"};
    metrics_labels l = {ROUTES, 0, flags, 3, STATUSES, 4};
    metrics *m = metrics_new(&l);
    metrics_flag(m, "other");
    metrics_request(m, "healthz", 200, 0); /* no routes given: other */
    char *t = render(m);
    CHECK(count(t, "modq_flags_total{code=\"other\"}") == 1);
    CHECK(strstr(t, "modq_flags_total{code=\"shouting\"} 0\nmodq_flags_total{code=\"other\"} 1\n") !=
          NULL);
    CHECK(strstr(t, "modq_http_requests_total{route=\"other\",status=\"200\"} 1\n") != NULL);
    free(t);
    metrics_free(m);
}

static void test_free_null_is_a_no_op(void) { metrics_free(NULL); }

int main(void) {
    UNIT_RUN(test_requests_are_counted_under_the_callers_route_names);
    UNIT_RUN(test_unknown_route_and_status_go_to_other);
    UNIT_RUN(test_flag_codes_are_the_callers_then_other);
    UNIT_RUN(test_other_given_by_the_caller_is_the_one_bucket);
    UNIT_RUN(test_free_null_is_a_no_op);
    return unit_report("test_metrics");
}
