/* test_config.c - defaults, file, environment precedence and bad values. */
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

static void clear_env(void) {
    unsetenv("MODQ_THREADS");
    unsetenv("MODQ_LISTEN");
    unsetenv("MODQ_THRESHOLD_PENDING");
    unsetenv("MODQ_MAX_BODY");
}

static void test_defaults(void) {
    clear_env();
    modq_config c;
    config_error e;
    CHECK(config_load(&c, NULL, &e) == 0);
    CHECK_STR(c.listen_host, "127.0.0.1");
    CHECK(c.listen_port == 8080);
    CHECK(c.max_body == 65536);
    CHECK_NEAR(c.threshold_pending, 0.5, 1e-9);
    config_free(&c);
}

static void test_file_then_env(void) {
    clear_env();
    char path[] = "/tmp/modq-test-conf-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "# comment\nthreads 7\nlisten 0.0.0.0:9000\nspool_dir \"/tmp/x y\"\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    setenv("MODQ_THREADS", "9", 1);
    modq_config c;
    config_error e;
    CHECK(config_load(&c, path, &e) == 0);
    CHECK(c.threads == 9); /* env beats file */
    CHECK(c.listen_port == 9000);
    CHECK_STR(c.listen_host, "0.0.0.0");
    CHECK_STR(c.spool_dir, "/tmp/x y");
    config_free(&c);
    unlink(path);
    clear_env();
}

typedef struct {
    const char *env, *value, *must_name;
} badcase;

static const badcase BAD[] = {
    {"MODQ_THREADS", "0", "threads"},
    {"MODQ_THREADS", "four", "threads"},
    {"MODQ_THREADS", "2.5", "threads"},
    {"MODQ_MAX_BODY", "99999999999", "max_body"},
    {"MODQ_LISTEN", "localhost", "listen"},
    {"MODQ_LISTEN", "h:99999", "listen"},
    {"MODQ_THRESHOLD_PENDING", "nan", "threshold_pending"},
    {"MODQ_THRESHOLD_PENDING", "1.5", "threshold_pending"},
};

/* Cluster mode takes seed nodes; the cluster promotes its own replicas, so
 * it is not combined with Sentinel. */
static void test_cluster_excludes_sentinels(void) {
    clear_env();
    modq_config c;
    config_error e;
    setenv("MODQ_REDIS_CLUSTER", "127.0.0.1:7000,127.0.0.1:7001", 1);
    CHECK(config_load(&c, NULL, &e) == 0);
    CHECK_STR(c.redis_cluster, "127.0.0.1:7000,127.0.0.1:7001");
    config_free(&c);
    setenv("MODQ_REDIS_SENTINELS", "127.0.0.1:26379", 1);
    CHECK(config_load(&c, NULL, &e) == -1);
    CHECK(strstr(e.text, "redis_cluster") && strstr(e.text, "redis_sentinels"));
    unsetenv("MODQ_REDIS_CLUSTER");
    unsetenv("MODQ_REDIS_SENTINELS");
}

static void test_bad_values_name_the_key(void) {
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        clear_env();
        setenv(BAD[i].env, BAD[i].value, 1);
        modq_config c;
        config_error e;
        int rc = config_load(&c, NULL, &e);
        CHECK(rc == -1);
        if (rc == -1) CHECK(strstr(e.text, BAD[i].must_name) != NULL);
        else config_free(&c);
    }
    clear_env();
}

static void test_unknown_file_key(void) {
    char path[] = "/tmp/modq-test-conf-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "threads 2\nno_such_key 1\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    modq_config c;
    config_error e;
    CHECK(config_load(&c, path, &e) == -1);
    CHECK(strstr(e.text, "no_such_key") != NULL);
    CHECK(strstr(e.text, ":2") != NULL); /* line number */
    unlink(path);
}

/* weight_<code> keys: any well-formed code loads (the engine checks it),
 * the environment beats the file, and dump shows them. */
static void test_weight_keys(void) {
    clear_env();
    char path[] = "/tmp/modq-test-conf-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "weight_off_topic 0.25\nweight_shouting 0\n"
                       "detectors_disabled repetitive, flood\nweight_off_topic 0.5\n";
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    setenv("MODQ_WEIGHT_SHOUTING", "0.75", 1);
    modq_config c;
    config_error e;
    CHECK(config_load(&c, path, &e) == 0);
    CHECK(c.nweights == 2);
    CHECK_STR(c.weights[0].code, "off_topic");
    CHECK_NEAR(c.weights[0].weight, 0.5, 1e-12); /* the later line wins */
    CHECK_STR(c.weights[1].code, "shouting");
    CHECK_NEAR(c.weights[1].weight, 0.75, 1e-12); /* env beats file */
    CHECK_STR(c.detectors_disabled, "repetitive, flood");
    char buf[8192];
    config_dump(&c, buf, sizeof buf);
    CHECK(strstr(buf, "\nweight_off_topic 0.5\n") != NULL);
    CHECK(strstr(buf, "\nweight_shouting 0.75\n") != NULL);
    CHECK(strstr(buf, "\ndetectors_disabled repetitive, flood\n") != NULL);
    config_free(&c);
    unsetenv("MODQ_WEIGHT_SHOUTING");
    unlink(path);
}

static const badcase BAD_WEIGHT[] = {
    {"MODQ_WEIGHT_OFF_TOPIC", "1.5", "weight_off_topic"},
    {"MODQ_WEIGHT_OFF_TOPIC", "-0.1", "weight_off_topic"},
    {"MODQ_WEIGHT_OFF_TOPIC", "high", "weight_off_topic"},
    {"MODQ_WEIGHT_OFF-TOPIC", "0.5", "weight_off-topic"},
    {"MODQ_WEIGHT_", "0.5", "weight_"},
    {"MODQ_WEIGHT_THIS_CODE_IS_FAR_TOO_LONG_TO_BE_ONE", "0.5", "not a detector code"},
};

static void test_bad_weights_name_the_key(void) {
    for (size_t i = 0; i < sizeof BAD_WEIGHT / sizeof BAD_WEIGHT[0]; i++) {
        clear_env();
        setenv(BAD_WEIGHT[i].env, BAD_WEIGHT[i].value, 1);
        modq_config c;
        config_error e;
        int rc = config_load(&c, NULL, &e);
        CHECK(rc == -1);
        if (rc == -1) CHECK(strstr(e.text, BAD_WEIGHT[i].must_name) != NULL);
        else config_free(&c);
        unsetenv(BAD_WEIGHT[i].env);
    }
}

static void test_list_split(void) {
    char **l = config_list(" a, b ,,c ");
    CHECK(l && l[0] && l[1] && l[2] && !l[3]);
    CHECK_STR(l[0], "a");
    CHECK_STR(l[1], "b");
    CHECK_STR(l[2], "c");
    config_list_free(l);
    l = config_list("");
    CHECK(l && !l[0]);
    config_list_free(l);
}

static void test_dump_hides_secrets(void) {
    clear_env();
    setenv("MODQ_CLIENT_KEYS", "super-secret-client-key", 1);
    modq_config c;
    config_error e;
    CHECK(config_load(&c, NULL, &e) == 0);
    char buf[8192];
    config_dump(&c, buf, sizeof buf);
    CHECK(strstr(buf, "super-secret") == NULL);
    CHECK(strstr(buf, "client_keys (hidden)") != NULL);
    config_free(&c);
    unsetenv("MODQ_CLIENT_KEYS");
}

/* Boolean keys: true/false, on/off, yes/no, 1/0 in any case; anything
 * else names the key; --print-config says true or false. */
static void test_bool_keys(void) {
    static const struct { const char *v; long want; } OK[] = {
        {"true", 1}, {"TRUE", 1}, {"on", 1}, {"yes", 1}, {"1", 1},
        {"false", 0}, {"Off", 0}, {"no", 0}, {"0", 0}};
    modq_config c;
    config_error e;
    CHECK(config_load(&c, NULL, &e) == 0 && c.moderator_anonymous_keys == 0);
    config_free(&c);
    for (size_t i = 0; i < sizeof OK / sizeof OK[0]; i++) {
        setenv("MODQ_MODERATOR_ANONYMOUS_KEYS", OK[i].v, 1);
        CHECK(config_load(&c, NULL, &e) == 0);
        CHECK(c.moderator_anonymous_keys == OK[i].want);
        char buf[8192];
        config_dump(&c, buf, sizeof buf);
        CHECK(strstr(buf, OK[i].want ? "moderator_anonymous_keys true\n"
                                     : "moderator_anonymous_keys false\n") != NULL);
        config_free(&c);
    }
    static const char *const bad[] = {"2", "maybe", "", "truex"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("MODQ_MODERATOR_ANONYMOUS_KEYS", bad[i], 1);
        CHECK(config_load(&c, NULL, &e) == -1);
        CHECK(strstr(e.text, "moderator_anonymous_keys") != NULL);
    }
    unsetenv("MODQ_MODERATOR_ANONYMOUS_KEYS");
}

static void test_unknown_env_names_the_variable(void) {
    clear_env();
    static const char *const bad[] = {"MODQ_THREDS", "MODQ_threads", "MODQ_"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        setenv(bad[i], "4", 1);
        modq_config c;
        config_error e;
        CHECK(config_load(&c, NULL, &e) == -1);
        CHECK(strstr(e.text, bad[i]) != NULL);
        CHECK(strstr(e.text, "unknown environment variable") != NULL);
        unsetenv(bad[i]);
    }
    /* the scripts' own variables are not keys and are let through */
    setenv("MODQ_REDIS_PORT", "6390", 1);
    setenv("MODQ_THREADS", "3", 1);
    modq_config c;
    config_error e;
    CHECK(config_load(&c, NULL, &e) == 0);
    CHECK(c.threads == 3);
    config_free(&c);
    unsetenv("MODQ_REDIS_PORT");
    unsetenv("MODQ_THREADS");
}

/* The keys two loads differ in, by name, in table order; weights as one. */
static void test_changed_names_the_keys(void) {
    clear_env();
    modq_config a, b;
    config_error e;
    CHECK(config_load(&a, NULL, &e) == 0);
    setenv("MODQ_THREADS", "9", 1);
    setenv("MODQ_CLIENT_KEYS", "a-client-key-0123456789", 1);
    setenv("MODQ_THRESHOLD_PENDING", "0.4", 1);
    setenv("MODQ_WEIGHT_LINK_SPAM", "0.5", 1);
    CHECK(config_load(&b, NULL, &e) == 0);
    unsetenv("MODQ_CLIENT_KEYS");
    unsetenv("MODQ_WEIGHT_LINK_SPAM");
    clear_env();
    const char *names[8];
    CHECK(config_changed(&a, &a, names, 8) == 0);
    CHECK(config_changed(&a, &b, names, 8) == 4);
    CHECK_STR(names[0], "client_keys");
    CHECK_STR(names[1], "threads");
    CHECK_STR(names[2], "threshold_pending");
    CHECK_STR(names[3], "weight_<code>");
    CHECK(config_changed(&a, &b, names, 1) == 4); /* counted past max */
    CHECK(config_key_reloadable("client_keys") == 1);
    CHECK(config_key_reloadable("rate_limit_ip") == 1);
    CHECK(config_key_reloadable("threads") == 0);
    CHECK(config_key_reloadable("threshold_pending") == 1);
    CHECK(config_key_reloadable("banned_words") == 1);
    CHECK(config_key_reloadable("weight_<code>") == 1);
    CHECK(config_key_reloadable("weight_link_spam") == 1);
    CHECK(config_key_reloadable("language") == 0);
    CHECK(config_key_reloadable("nope") == 0);
    /* a copy owns its strings: the original can go */
    modq_config c;
    CHECK(config_copy(&c, &b) == 0);
    config_free(&b);
    CHECK(config_changed(&a, &c, names, 8) == 4);
    CHECK_STR(c.client_keys, "a-client-key-0123456789");
    CHECK(c.nweights == 1 && c.weights[0].weight == 0.5);
    CHECK(config_key_set(&c, "threshold_pending") == 1);
    config_free(&a);
    config_free(&c);
}

int main(void) {
    UNIT_RUN(test_changed_names_the_keys);
    UNIT_RUN(test_defaults);
    UNIT_RUN(test_bool_keys);
    UNIT_RUN(test_file_then_env);
    UNIT_RUN(test_bad_values_name_the_key);
    UNIT_RUN(test_unknown_file_key);
    UNIT_RUN(test_weight_keys);
    UNIT_RUN(test_bad_weights_name_the_key);
    UNIT_RUN(test_list_split);
    UNIT_RUN(test_dump_hides_secrets);
    UNIT_RUN(test_unknown_env_names_the_variable);
    UNIT_RUN(test_cluster_excludes_sentinels);
    return unit_report("test_config");
}
