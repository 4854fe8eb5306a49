/* spool.h - local append-only, fsync'd spool for records Redis could not take.
 *
 * One record per line (compact JSON has no raw newline). Appends are
 * serialised and fdatasync'd before spool_append() returns, so an answer
 * given after it survives a crash. spool_replay() moves records out in the
 * order they were written; replay is idempotent on the Redis side (SET NX),
 * so a crash mid-replay only replays some records twice, harmlessly.
 */
#ifndef MODQ_SPOOL_H
#define MODQ_SPOOL_H

#include <stddef.h>

typedef struct spool spool;

/* Open (creating dir and file). Returns new spool (close with spool_close)
 * or NULL with err filled. */
spool *spool_open(const char *dir, char *err, size_t n);
void spool_close(spool *s); /* NULL is a no-op */

/* Append one record (no newline inside). 0 when durable, -1 on I/O error
 * or when active.log is gone from spool_dir and cannot be made again. */
int spool_append(spool *s, const char *rec, size_t len);

/* Called per record in order; return 0 when the record is safely in Redis,
 * -1 to stop (the rest stays spooled). */
typedef int (*spool_replay_fn)(void *ctx, const char *rec, size_t len);

/* Replay everything spooled so far. Returns the number of records replayed,
 * or -1 when fn stopped early or on I/O error. One caller at a time. */
long spool_replay(spool *s, spool_replay_fn fn, void *ctx);

/* 1 when an append can be made durable: no append failed in the last
 * 5 s and active.log is the file in spool_dir the spool writes to (when
 * the file or the directory was removed, both are made again first), 0
 * otherwise. Thread-safe; a stat(2). */
int spool_writable(spool *s);

/* Records waiting (approximate while a replay runs). */
long spool_pending(spool *s);

#endif
