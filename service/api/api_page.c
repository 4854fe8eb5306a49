/* api_page.c - the review page: GET /review/ and its static files.
 *
 * Owns serving web/review/ (index.html, review.css, review.js): from the copy
 * embedded at build time (tools/embed.sh -> build/gen/page_assets.c), or,
 * when review_dir is set, from that directory, read on every request. The
 * page is public (it holds no data: the moderator types a key into it and
 * it calls the review API), so this file never looks at keys or Redis.
 * Only one path segment of known characters and a known extension is ever
 * served: no "..", no sub-directories, no hidden files, no symlinked file.
 * Every file goes out with a strict Content-Security-Policy (scripts and
 * styles from this origin only, nothing inline) and nosniff; the HTTP layer
 * adds Cache-Control: no-store (a new binary's page is seen at once).
 */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* The table written by tools/embed.sh (the same struct is declared there). */
typedef struct page_asset {
    const char *name;
    const unsigned char *data;
    size_t len;
} page_asset;
extern const page_asset page_assets[];
extern const size_t page_assets_count;

/* Longest file name served: the page's own names are short; anything longer
 * is not one of ours. */
#define PAGE_NAME_MAX 64
/* Largest file read from review_dir: the built-in page is about 50 KB; this
 * bounds the memory one request can make the server allocate. */
#define PAGE_FILE_MAX (1024 * 1024)

#define PAGE_PREFIX "/review/"
#define PAGE_INDEX "index.html"

/* Scripts, styles, images and API calls from this origin only; no inline
 * script or style, no plugins, no <base>, no form posts, no framing. */
#define PAGE_CSP                                                              \
    "default-src 'self'; script-src 'self'; style-src 'self'; "              \
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "           \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static const struct {
    const char *ext;
    const char *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
};

/* Content-Type for a file name we are willing to serve, or NULL: 1 to
 * PAGE_NAME_MAX characters of A-Z a-z 0-9 . _ -, starting with a letter or
 * digit (so neither ".." nor a hidden file), ending in a known extension. */
static const char *page_type(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > PAGE_NAME_MAX) return NULL;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
          (name[0] >= '0' && name[0] <= '9')))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok) return NULL;
    }
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++) {
        size_t el = strlen(TYPES[i].ext);
        if (n > el && strcmp(name + n - el, TYPES[i].ext) == 0) return TYPES[i].type;
    }
    return NULL;
}

/* The embedded copy of name: returns a new buffer (caller frees) with *len,
 * or NULL when there is no such file (*oom = 1 when out of memory). */
static char *page_embedded(const char *name, size_t *len, int *oom) {
    for (size_t i = 0; i < page_assets_count; i++) {
        if (strcmp(page_assets[i].name, name) != 0) continue;
        char *b = malloc(page_assets[i].len + 1);
        if (!b) {
            *oom = 1;
            return NULL;
        }
        memcpy(b, page_assets[i].data, page_assets[i].len);
        b[page_assets[i].len] = 0;
        *len = page_assets[i].len;
        return b;
    }
    return NULL;
}

/* name read from dir: returns a new buffer (caller frees) with *len, or NULL
 * when it is missing, not a regular file, a symlink or too large (logged
 * unless simply missing); *oom = 1 when out of memory. */
static char *page_from_dir(const char *dir, const char *name, size_t *len, int *oom) {
    char path[PATH_MAX];
    int pn = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (pn < 0 || (size_t)pn >= sizeof path) return NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) LOG(WARN, "review_dir: cannot open %s: %s", name, strerror(errno));
        return NULL;
    }
    char *b = NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PAGE_FILE_MAX) {
        LOG(WARN, "review_dir: %s is not a regular file of at most %d bytes", name,
            PAGE_FILE_MAX);
        goto fail;
    }
    size_t want = (size_t)st.st_size, got = 0;
    b = malloc(want + 1);
    if (!b) {
        *oom = 1;
        goto fail;
    }
    while (got < want) {
        ssize_t r = read(fd, b + got, want - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* shrank while we read: serve what is there */
        got += (size_t)r;
    }
    b[got] = 0;
    *len = got;
    close(fd);
    return b;
fail:
    free(b);
    close(fd);
    return NULL;
}

/* GET /review, GET /review/, GET /review/{file} */
void api_review_page(const api_call *c, http_response *res) {
    const char *path = c->req->path;
    if (strcmp(path, "/review") == 0) {
        /* relative URLs in index.html resolve against /review/ */
        static const char moved[] = "{\"location\":\"/review/\"}";
        api_reply(res, 308, strdup(moved), sizeof moved - 1);
        http_add_header(res, "Location", PAGE_PREFIX);
        return;
    }
    if (strncmp(path, PAGE_PREFIX, sizeof PAGE_PREFIX - 1) != 0) {
        api_error(res, 404, "not_found", "no such file", NULL);
        return;
    }
    const char *name = path + sizeof PAGE_PREFIX - 1;
    if (*name == 0) name = PAGE_INDEX;
    const char *type = page_type(name);
    if (!type) {
        api_error(res, 404, "not_found", "no such file", NULL);
        return;
    }
    const char *dir = c->a->cfg->review_dir;
    size_t len = 0;
    int oom = 0;
    char *body = dir && *dir ? page_from_dir(dir, name, &len, &oom)
                             : page_embedded(name, &len, &oom);
    if (!body) {
        if (oom)
            api_error(res, 500, "internal", "out of memory", NULL);
        else
            api_error(res, 404, "not_found", "no such file", NULL);
        return;
    }
    api_reply(res, 200, body, len);
    res->content_type = type;
    http_add_header(res, "Content-Security-Policy", PAGE_CSP);
    http_add_header(res, "X-Content-Type-Options", "nosniff");
    http_add_header(res, "Referrer-Policy", "no-referrer");
    http_add_header(res, "X-Frame-Options", "DENY");
}
