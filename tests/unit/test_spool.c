/* test_spool.c - append, ordered replay, stop-and-resume, torn tail, reopen. */
#include <stdlib.h>
#include <unistd.h>

#include "spool.h"
#include "unit.h"

typedef struct {
    char seen[64][32];
    int n;
    int fail_at; /* fail on this call index, -1 never */
    int calls;
} sink;

static int collect(void *ctx, const char *rec, size_t len) {
    sink *s = ctx;
    if (s->calls++ == s->fail_at) return -1;
    if (s->n < 64) snprintf(s->seen[s->n++], 32, "%.*s", (int)len, rec);
    return 0;
}

static void mkdtemp_dir(char *buf) {
    strcpy(buf, "/tmp/modq-spool-XXXXXX");
    CHECK(mkdtemp(buf) != NULL);
}

static void test_order_and_resume(void) {
    char dir[64];
    mkdtemp_dir(dir);
    char err[200];
    spool *sp = spool_open(dir, err, sizeof err);
    CHECK(sp != NULL);
    if (!sp) return;
    CHECK(spool_append(sp, "r1", 2) == 0);
    CHECK(spool_append(sp, "r2", 2) == 0);
    CHECK(spool_append(sp, "bad\nline", 8) == -1); /* newline inside refused */
    CHECK(spool_pending(sp) == 2);
    sink s = {.fail_at = 1};
    CHECK(spool_replay(sp, collect, &s) == -1); /* stops at r2 */
    CHECK(s.n == 1);
    CHECK(spool_append(sp, "r3", 2) == 0);      /* appends go on meanwhile */
    sink t = {.fail_at = -1};
    CHECK(spool_replay(sp, collect, &t) == 3);  /* r1 again (idempotent), r2, r3 */
    CHECK(t.n == 3);
    CHECK_STR(t.seen[0], "r1");
    CHECK_STR(t.seen[1], "r2");
    CHECK_STR(t.seen[2], "r3");
    CHECK(spool_pending(sp) == 0);
    sink u = {.fail_at = -1};
    CHECK(spool_replay(sp, collect, &u) == 0);
    spool_close(sp);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

static void test_reopen_and_torn_tail(void) {
    char dir[64];
    mkdtemp_dir(dir);
    char err[200];
    spool *sp = spool_open(dir, err, sizeof err);
    CHECK(spool_append(sp, "a", 1) == 0);
    spool_close(sp);
    /* simulate a crash mid-append: a record without its newline */
    char path[128];
    snprintf(path, sizeof path, "%s/active.log", dir);
    FILE *f = fopen(path, "a");
    fputs("torn", f);
    fclose(f);
    sp = spool_open(dir, err, sizeof err);
    CHECK(spool_pending(sp) == 1);
    /* a record spooled after the restart must not be glued to the torn
     * bytes (it was answered: losing it would lose a comment) */
    CHECK(spool_append(sp, "b", 1) == 0);
    CHECK(spool_pending(sp) == 2);
    sink s = {.fail_at = -1};
    CHECK(spool_replay(sp, collect, &s) == 2);
    CHECK(s.n == 2);
    CHECK_STR(s.seen[0], "a");
    CHECK_STR(s.seen[1], "b");
    spool_close(sp);
    /* a file that is nothing but a torn record */
    f = fopen(path, "w");
    fputs("only-torn", f);
    fclose(f);
    sp = spool_open(dir, err, sizeof err);
    CHECK(sp && spool_pending(sp) == 0);
    CHECK(spool_append(sp, "c", 1) == 0);
    sink t = {.fail_at = -1};
    CHECK(spool_replay(sp, collect, &t) == 1);
    CHECK(t.n == 1);
    CHECK_STR(t.seen[0], "c");
    spool_close(sp);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

static void test_bad_dir(void) {
    char err[200];
    CHECK(spool_open("/proc/modq-cannot-exist/x", err, sizeof err) == NULL);
    CHECK(strstr(err, "spool_dir") != NULL);
}

int main(void) {
    UNIT_RUN(test_order_and_resume);
    UNIT_RUN(test_reopen_and_torn_tail);
    UNIT_RUN(test_bad_dir);
    return unit_report("test_spool");
}
