/* clock.h - the service's one time module: two clocks, one timed wait.
 *
 * clock_mono_ms() is the monotonic clock, for durations, deadlines and
 * timeouts (never jumps with the wall clock); clock_wall_ms() is the wall
 * clock, for timestamps that are stored or shown (received_ms, decided_ms).
 * clock_cond_wait_ms() is the one timed wait on a condition variable.
 * No state; safe from any thread.
 */
#ifndef MODQ_CLOCK_H
#define MODQ_CLOCK_H

#include <pthread.h>
#include <time.h>

/* Milliseconds of the monotonic clock (an arbitrary origin). */
long long clock_mono_ms(void);
/* Milliseconds since the Unix epoch (wall clock). */
long long clock_wall_ms(void);
/* Seconds elapsed on the monotonic clock since *t0 (taken with
 * clock_mono_now()). */
void clock_mono_now(struct timespec *t0);
double clock_mono_since_s(const struct timespec *t0);
/* Wait on cv (mu held, as pthread_cond_wait) for at most ms milliseconds.
 * Returns pthread_cond_timedwait's result: 0 when signalled, ETIMEDOUT. */
int clock_cond_wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, long ms);
/* ms since the epoch as ISO-8601 UTC with milliseconds
 * ("2026-01-31T12:00:00.000Z") into out. */
void clock_iso_ms(long long ms, char out[32]);
/* Sleep ms milliseconds (restarted after signals). */
void clock_sleep_ms(long ms);

#endif
