/*
 * jobs.h — a bounded queue of background work run by one thread, for what a
 * request must not wait for or be timed by: delivering mail, and the
 * password-reset lookups whose cost would tell a known address from an
 * unknown one.
 *
 * Jobs run one at a time, in submission order. A full queue refuses new
 * jobs (BW_ERR_BUSY) instead of growing: the caller answers 503, and
 * nothing is half done. bw_jobs_stop runs what is queued (up to a deadline)
 * and then frees the rest unrun.
 */
#ifndef BULWARK_JOBS_H
#define BULWARK_JOBS_H

#include <stddef.h>

#include "bulwark/err.h"

struct bw_jobs;

/** A job: run(arg, ctx) on the worker thread, then release(ctx) (may be NULL). */
typedef void (*bw_job_fn)(void *arg, void *ctx);
typedef void (*bw_job_release_fn)(void *ctx);

/**
 * bw_jobs_start - a queue of at most cap jobs and its worker thread; arg
 * (borrowed, e.g. the application) is passed to every job.
 */
BW_MUST_CHECK enum bw_err bw_jobs_start(size_t cap, void *arg, struct bw_jobs **out);

/**
 * bw_jobs_submit - queue run with ctx, which the queue then owns: release
 * is called after the job ran, or when it is dropped (full queue: then
 * BW_ERR_BUSY and release has been called; stopped queue: BW_ERR_STATE).
 */
BW_MUST_CHECK enum bw_err bw_jobs_submit(struct bw_jobs *j, bw_job_fn run, void *ctx,
                                         bw_job_release_fn release);

/**
 * bw_jobs_wait_idle - wait until the queue is empty and no job runs, or
 * deadline_ms passed (BW_ERR_BUSY); BW_OK when idle. For shutdown and tests.
 */
BW_MUST_CHECK enum bw_err bw_jobs_wait_idle(struct bw_jobs *j, unsigned deadline_ms);

/**
 * bw_jobs_stop - stop taking jobs, run the queued ones for at most
 * deadline_ms, release the rest unrun, join the thread and free j. NULL is
 * a no-op.
 */
void bw_jobs_stop(struct bw_jobs *j, unsigned deadline_ms);

#endif
