/* spool.c - the fsync'd local spool used while Redis is unreachable.
 *
 * Owns the directory's files: "active.log" takes appends; a replay first
 * renames it to "replay-<seq>.log" (so appends go on into a fresh file) and
 * then feeds every replay file, oldest sequence first, to the callback,
 * deleting each file once all its records went through. A torn last line
 * (crash during append) has no newline and is skipped.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define SPOOL_PATH_MAX 4096
#define SPOOL_MAX_FILES 4096 /* replay files kept at once; each is a blip */
/* A failed append (disk full, I/O error) makes the spool unwritable for
 * this long: long enough for readiness probes to see it, short enough
 * that traffic comes back once the disk does (no append is tried while
 * nothing is routed here). */
#define SPOOL_FAIL_HOLD_MS 5000

struct spool {
    pthread_mutex_t mu;
    char dir[SPOOL_PATH_MAX];
    int fd;                 /* active.log */
    long next_seq;
    atomic_long pending;
    atomic_llong failed_ms;  /* clock_mono_ms() of the last failed append, 0 none */
};

static int mkdirs(const char *path) {
    char tmp[SPOOL_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return -1;
    return 0;
}

static long count_lines(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    long n = 0;
    int c;
    while ((c = fgetc(f)) != EOF)
        if (c == '\n') n++;
    fclose(f);
    return n;
}

static int cmp_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Sorted sequence numbers of replay files. Returns count. */
static size_t list_replays(const char *dir, long *seqs, size_t max) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        long seq;
        char tail[8];
        if (sscanf(e->d_name, "replay-%ld.%4s", &seq, tail) == 2 && strcmp(tail, "log") == 0)
            seqs[n++] = seq;
    }
    closedir(d);
    qsort(seqs, n, sizeof *seqs, cmp_long);
    return n;
}

/* Cuts a torn tail (a record without its newline: the process died inside
 * spool_append, before the fsync, so nobody was answered for it) off the
 * active file. Otherwise the next record appended would be glued to it and
 * both would be unreadable at replay. 0, or -1 on an I/O error. */
static int cut_torn_tail(const char *path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    off_t end = st.st_size, keep = 0;
    char buf[4096];
    while (end > 0) { /* find the last newline, backwards */
        off_t from = end > (off_t)sizeof buf ? end - (off_t)sizeof buf : 0;
        ssize_t got = pread(fd, buf, (size_t)(end - from), from);
        if (got != end - from) {
            rc = -1;
            break;
        }
        ssize_t i = got - 1;
        while (i >= 0 && buf[i] != '\n') i--;
        if (i >= 0) {
            keep = from + i + 1;
            break;
        }
        end = from;
    }
    if (rc == 0 && keep < st.st_size) {
        log_msg(LOG_WARN, "spool: cutting a torn record (%lld bytes) off %s",
                (long long)(st.st_size - keep), path);
        if (ftruncate(fd, keep) < 0 || fsync(fd) < 0) rc = -1;
    }
    close(fd);
    return rc;
}

/* Count the records of active.log and the replay files into s->pending
 * and set the next replay file's number. */
static void recount(spool *s) {
    char path[SPOOL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/active.log", s->dir);
    long pending = count_lines(path);
    long seqs[SPOOL_MAX_FILES];
    size_t ns = list_replays(s->dir, seqs, SPOOL_MAX_FILES);
    for (size_t i = 0; i < ns; i++) {
        snprintf(path, sizeof path, "%s/replay-%ld.log", s->dir, seqs[i]);
        pending += count_lines(path);
    }
    s->next_seq = ns ? seqs[ns - 1] + 1 : 1;
    atomic_store(&s->pending, pending);
}

spool *spool_open(const char *dir, char *err, size_t n) {
    spool *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    if (mkdirs(dir) < 0) {
        snprintf(err, n, "spool_dir %s: %s", dir, strerror(errno));
        free(s);
        return NULL;
    }
    char path[SPOOL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/active.log", dir);
    if (cut_torn_tail(path) < 0) {
        snprintf(err, n, "spool_dir %s: cannot repair active.log: %s", dir, strerror(errno));
        free(s);
        return NULL;
    }
    s->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (s->fd < 0) {
        snprintf(err, n, "spool_dir %s: %s", dir, strerror(errno));
        free(s);
        return NULL;
    }
    recount(s);
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

void spool_close(spool *s) {
    if (!s) return;
    if (s->fd >= 0) {
        fdatasync(s->fd);
        close(s->fd);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* 1 when s->fd is the file named spool_dir/active.log: a record written
 * to a file removed from under the spool would be answered as durable and
 * never replayed. When it is not (the file or the directory was removed),
 * the directory and active.log are made again (logged; what the removed
 * files held is gone) and 0 is returned only if that fails. Called with
 * s->mu held. */
static int still_named(spool *s) {
    char path[SPOOL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/active.log", s->dir);
    struct stat named, open_;
    if (s->fd >= 0 && fstat(s->fd, &open_) == 0 && stat(path, &named) == 0 &&
        named.st_ino == open_.st_ino && named.st_dev == open_.st_dev)
        return 1;
    int fd = mkdirs(s->dir) < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return 0;
    if (s->fd >= 0) close(s->fd);
    s->fd = fd;
    recount(s);
    log_msg(LOG_WARN, "spool: %s was removed from under modq: made it again (records it held "
                      "are lost)", path);
    return 1;
}

int spool_append(spool *s, const char *rec, size_t len) {
    if (memchr(rec, '\n', len)) return -1;
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    if (!still_named(s)) {
        errno = ENOENT;
        rc = -1;
    }
    struct iovec_like { const char *p; size_t n; } parts[2] = {{rec, len}, {"\n", 1}};
    for (int i = 0; i < 2 && rc == 0; i++) {
        size_t off = 0;
        while (off < parts[i].n) {
            ssize_t w = write(s->fd, parts[i].p + off, parts[i].n - off);
            if (w < 0) {
                if (errno == EINTR) continue;
                rc = -1;
                break;
            }
            off += (size_t)w;
        }
    }
    if (rc == 0 && fdatasync(s->fd) < 0) rc = -1;
    if (rc == 0) atomic_fetch_add(&s->pending, 1);
    atomic_store(&s->failed_ms, rc < 0 ? clock_mono_ms() : 0);
    pthread_mutex_unlock(&s->mu);
    if (rc < 0) log_msg(LOG_ERROR, "spool append failed: %s", strerror(errno));
    return rc;
}

/* Move active.log aside if it holds anything. 0 ok, -1 error. */
static int rotate(spool *s) {
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    struct stat st;
    if (fstat(s->fd, &st) == 0 && st.st_size > 0) {
        char from[SPOOL_PATH_MAX + 32], to[SPOOL_PATH_MAX + 32];
        snprintf(from, sizeof from, "%s/active.log", s->dir);
        snprintf(to, sizeof to, "%s/replay-%ld.log", s->dir, s->next_seq);
        if (rename(from, to) == 0) {
            s->next_seq++;
            close(s->fd);
            s->fd = open(from, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (s->fd < 0) rc = -1;
            int dfd = open(s->dir, O_RDONLY | O_DIRECTORY);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        } else {
            rc = -1;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int spool_writable(spool *s) {
    long long failed = atomic_load(&s->failed_ms);
    if (failed && clock_mono_ms() - failed < SPOOL_FAIL_HOLD_MS) return 0;
    pthread_mutex_lock(&s->mu); /* rotate() replaces fd */
    int ok = still_named(s);
    pthread_mutex_unlock(&s->mu);
    return ok;
}

long spool_replay(spool *s, spool_replay_fn fn, void *ctx) {
    if (atomic_load(&s->pending) == 0) return 0;
    if (rotate(s) < 0) return -1;
    long seqs[SPOOL_MAX_FILES];
    size_t ns = list_replays(s->dir, seqs, SPOOL_MAX_FILES);
    long done = 0;
    for (size_t i = 0; i < ns; i++) {
        char path[SPOOL_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/replay-%ld.log", s->dir, seqs[i]);
        FILE *f = fopen(path, "r");
        if (!f) return -1;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int stopped = 0;
        long in_file = 0;
        while ((n = getline(&line, &cap, f)) > 0) {
            if (line[n - 1] != '\n') break; /* torn tail */
            line[--n] = 0;
            if (n == 0) continue;
            if (fn(ctx, line, (size_t)n) < 0) {
                stopped = 1;
                break;
            }
            in_file++;
        }
        free(line);
        fclose(f);
        if (stopped) {
            /* records before the stop are in Redis; replaying them again is
             * harmless (SET NX), so the file is kept whole */
            return -1;
        }
        unlink(path);
        atomic_fetch_sub(&s->pending, in_file);
        done += in_file;
    }
    if (atomic_load(&s->pending) < 0) atomic_store(&s->pending, 0);
    return done;
}

long spool_pending(spool *s) { return atomic_load(&s->pending); }
