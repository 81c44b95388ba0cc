/*
 * workpool.h — (internal) a bounded worker pool that is fair per client.
 *
 * Slow work (Argon2, outbound fetches) runs here while the connection is
 * suspended, so event threads never block. The queue holds at most `cap`
 * jobs in all and `per_client` jobs per client key; beyond that submit says
 * BW_ERR_BUSY (the caller answers 503 with Retry-After). Workers take jobs
 * round-robin across clients, so one client flooding the queue delays only
 * itself.
 */
#ifndef BULWARK_WORKPOOL_H
#define BULWARK_WORKPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "bulwark/err.h"

struct bw_workpool;

/**
 * A job: on_accept() (may be NULL) runs under the pool's lock once the job is
 * accepted and before any worker can see it; run() then runs on a worker.
 */
struct bw_job {
	void (*run)(struct bw_job *job);
	void (*on_accept)(struct bw_job *job);
	struct bw_job *next; /* owned by the pool while queued */
	uint64_t client;     /* fairness key (e.g. a hash of the client address) */
};

/** bw_workpool_new - start threads workers (≥ 1). */
BW_MUST_CHECK enum bw_err bw_workpool_new(unsigned threads, unsigned cap, unsigned per_client,
                                          struct bw_workpool **out);

/** bw_workpool_submit - queue job (borrowed until run returns); BW_ERR_BUSY when full. */
BW_MUST_CHECK enum bw_err bw_workpool_submit(struct bw_workpool *p, struct bw_job *job);

/** bw_workpool_free - run every queued job, stop the threads, release. NULL is a no-op. */
void bw_workpool_free(struct bw_workpool *p);

/** bw_workpool_queued - jobs waiting now. */
unsigned bw_workpool_queued(struct bw_workpool *p);

#endif
