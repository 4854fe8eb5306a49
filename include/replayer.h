/* replayer.h - background thread that drains the spool into Redis.
 *
 * Every REPLAYER_PERIOD_MS it calls spool_replay() when the spool holds
 * records; the callback decides whether Redis took each one.
 */
#ifndef MODQ_REPLAYER_H
#define MODQ_REPLAYER_H

#include "metrics.h"
#include "spool.h"

typedef struct replayer replayer;

/* Returns new running replayer (stop with replayer_stop) or NULL. */
replayer *replayer_start(spool *s, spool_replay_fn fn, void *ctx, metrics *m);
/* Stop the thread after one last replay attempt; NULL is a no-op. */
void replayer_stop(replayer *r);

#endif
