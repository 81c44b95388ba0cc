/*
 * workpool.c — round-robin over per-client FIFO queues. Client queues live in
 * a small array (at most `cap` distinct clients can have work queued, since
 * each holds at least one job); a cursor walks it so each client with work
 * gets one job per round.
 */
#include "workpool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct client_q {
	uint64_t client;
	struct bw_job *head, *tail;
	unsigned count;
};

struct bw_workpool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t *threads;
	unsigned n_threads;
	unsigned cap, per_client, queued;
	struct client_q *qs; /* cap entries; count == 0 means free */
	unsigned cursor;
	bool stopping;
};

static struct bw_job *take(struct bw_workpool *p)
{
	for (unsigned k = 0; k < p->cap; k++) {
		unsigned i = (p->cursor + k) % p->cap;
		struct client_q *q = &p->qs[i];

		if (q->count > 0) {
			struct bw_job *j = q->head;

			q->head = j->next;
			if (q->head == NULL)
				q->tail = NULL;
			q->count--;
			p->queued--;
			p->cursor = (i + 1) % p->cap;
			j->next = NULL;
			return j;
		}
	}
	return NULL;
}

static void *worker(void *arg)
{
	struct bw_workpool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct bw_job *j = take(p);

		if (j == NULL) {
			if (p->stopping)
				break;
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		pthread_mutex_unlock(&p->mu);
		j->run(j);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

enum bw_err bw_workpool_new(unsigned threads, unsigned cap, unsigned per_client,
                            struct bw_workpool **out)
{
	struct bw_workpool *p;

	*out = NULL;
	if (threads == 0 || cap == 0 || per_client == 0)
		return BW_ERR_INVALID;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return BW_ERR_NOMEM;
	p->qs = calloc(cap, sizeof(*p->qs));
	p->threads = calloc(threads, sizeof(*p->threads));
	if (p->qs == NULL || p->threads == NULL) {
		free(p->qs);
		free(p->threads);
		free(p);
		return BW_ERR_NOMEM;
	}
	p->cap = cap;
	p->per_client = per_client;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
			p->n_threads = i;
			bw_workpool_free(p);
			return BW_ERR_IO;
		}
	}
	p->n_threads = threads;
	*out = p;
	return BW_OK;
}

enum bw_err bw_workpool_submit(struct bw_workpool *p, struct bw_job *job)
{
	struct client_q *q = NULL, *free_q = NULL;
	enum bw_err rc = BW_OK;

	pthread_mutex_lock(&p->mu);
	if (p->stopping || p->queued >= p->cap) {
		rc = BW_ERR_BUSY;
		goto out;
	}
	for (unsigned i = 0; i < p->cap; i++) {
		if (p->qs[i].count > 0 && p->qs[i].client == job->client) {
			q = &p->qs[i];
			break;
		}
		if (p->qs[i].count == 0 && free_q == NULL)
			free_q = &p->qs[i];
	}
	if (q == NULL) {
		q = free_q; /* exists: queued < cap means some queue is empty */
		q->client = job->client;
		q->head = q->tail = NULL;
	}
	if (q->count >= p->per_client) {
		rc = BW_ERR_BUSY;
		goto out;
	}
	job->next = NULL;
	if (job->on_accept != NULL)
		job->on_accept(job);
	if (q->tail != NULL)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
	q->count++;
	p->queued++;
	pthread_cond_signal(&p->cv);
out:
	pthread_mutex_unlock(&p->mu);
	return rc;
}

unsigned bw_workpool_queued(struct bw_workpool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->mu);
	n = p->queued;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void bw_workpool_free(struct bw_workpool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true; /* workers drain the queue first, then exit */
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->qs);
	free(p->threads);
	free(p);
}
