/* jobs.c — one worker thread draining a bounded ring of jobs (jobs.h). */
#include "jobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct job {
	bw_job_fn run;
	bw_job_release_fn release;
	void *ctx;
};

struct bw_jobs {
	pthread_mutex_t mu;
	pthread_cond_t work; /* a job was queued, or stop */
	pthread_cond_t idle; /* the queue became empty and nothing runs */
	pthread_t thread;
	struct job *ring;
	size_t cap, head, count;
	bool running_one, stopping, drop_rest;
	void *arg;
};

static void release(struct job *jb)
{
	if (jb->release != NULL)
		jb->release(jb->ctx);
}

static void *worker(void *p)
{
	struct bw_jobs *j = p;
	struct job jb;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (j->count == 0 && !j->stopping)
			pthread_cond_wait(&j->work, &j->mu);
		if (j->count == 0 || j->drop_rest)
			break;
		jb = j->ring[j->head];
		j->head = (j->head + 1) % j->cap;
		j->count--;
		j->running_one = true;
		pthread_mutex_unlock(&j->mu);
		jb.run(j->arg, jb.ctx);
		release(&jb);
		pthread_mutex_lock(&j->mu);
		j->running_one = false;
		if (j->count == 0)
			pthread_cond_broadcast(&j->idle);
	}
	pthread_cond_broadcast(&j->idle);
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

enum bw_err bw_jobs_start(size_t cap, void *arg, struct bw_jobs **out)
{
	struct bw_jobs *j;

	*out = NULL;
	if (cap == 0)
		return BW_ERR_INVALID;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return BW_ERR_NOMEM;
	j->ring = calloc(cap, sizeof(*j->ring));
	if (j->ring == NULL) {
		free(j);
		return BW_ERR_NOMEM;
	}
	j->cap = cap;
	j->arg = arg;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->work, NULL);
	pthread_cond_init(&j->idle, NULL);
	if (pthread_create(&j->thread, NULL, worker, j) != 0) {
		pthread_cond_destroy(&j->idle);
		pthread_cond_destroy(&j->work);
		pthread_mutex_destroy(&j->mu);
		free(j->ring);
		free(j);
		return BW_ERR_INTERNAL;
	}
	*out = j;
	return BW_OK;
}

enum bw_err bw_jobs_submit(struct bw_jobs *j, bw_job_fn run, void *ctx, bw_job_release_fn rel)
{
	struct job jb = {run, rel, ctx};
	enum bw_err rc = BW_OK;

	pthread_mutex_lock(&j->mu);
	if (j->stopping)
		rc = BW_ERR_STATE;
	else if (j->count == j->cap)
		rc = BW_ERR_BUSY;
	else {
		j->ring[(j->head + j->count) % j->cap] = jb;
		j->count++;
		pthread_cond_signal(&j->work);
	}
	pthread_mutex_unlock(&j->mu);
	if (rc != BW_OK)
		release(&jb);
	return rc;
}

static void deadline_after(unsigned ms, struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

enum bw_err bw_jobs_wait_idle(struct bw_jobs *j, unsigned deadline_ms)
{
	struct timespec ts;
	enum bw_err rc = BW_OK;

	deadline_after(deadline_ms, &ts);
	pthread_mutex_lock(&j->mu);
	while ((j->count > 0 || j->running_one) && !j->drop_rest) {
		if (pthread_cond_timedwait(&j->idle, &j->mu, &ts) == ETIMEDOUT) {
			rc = BW_ERR_BUSY; /* not idle by the deadline */
			break;
		}
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
}

void bw_jobs_stop(struct bw_jobs *j, unsigned deadline_ms)
{
	if (j == NULL)
		return;
	pthread_mutex_lock(&j->mu);
	j->stopping = true;
	pthread_cond_signal(&j->work);
	pthread_mutex_unlock(&j->mu);
	if (bw_jobs_wait_idle(j, deadline_ms) != BW_OK) {
		pthread_mutex_lock(&j->mu);
		j->drop_rest = true; /* the job running now finishes; the rest are not run */
		pthread_mutex_unlock(&j->mu);
	}
	pthread_join(j->thread, NULL);
	while (j->count > 0) {
		release(&j->ring[j->head]);
		j->head = (j->head + 1) % j->cap;
		j->count--;
	}
	pthread_cond_destroy(&j->idle);
	pthread_cond_destroy(&j->work);
	pthread_mutex_destroy(&j->mu);
	free(j->ring);
	free(j);
}
