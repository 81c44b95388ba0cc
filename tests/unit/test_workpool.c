/* test_workpool.c — bounded queue, per-client cap, round-robin fairness. */
#include "bw_test.h"

#include <pthread.h>
#include <unistd.h>

#include "workpool.h"

struct tjob {
	struct bw_job job;
	int id;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int order[64];
static int n_order;

static void run_blocking(struct bw_job *j)
{
	struct tjob *t = (struct tjob *)j;

	pthread_mutex_lock(&mu);
	while (!gate_open)
		pthread_cond_wait(&cv, &mu);
	order[n_order++] = t->id;
	pthread_mutex_unlock(&mu);
}

static void open_gate(void)
{
	pthread_mutex_lock(&mu);
	gate_open = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void wait_queued(struct bw_workpool *p, unsigned n)
{
	for (int i = 0; i < 1000 && bw_workpool_queued(p) != n; i++)
		usleep(1000);
	assert_int_equal(bw_workpool_queued(p), n);
}

static void caps_and_fairness(void **state)
{
	struct bw_workpool *p;
	struct tjob jobs[16];
	struct tjob blocker = {.job = {.run = run_blocking, .client = 99}, .id = -1};

	(void)state;
	gate_open = false;
	n_order = 0;
	assert_int_equal(bw_workpool_new(1, 6, 3, &p), BW_OK);
	/* the single worker takes the blocker and waits on the gate */
	assert_int_equal(bw_workpool_submit(p, &blocker.job), BW_OK);
	wait_queued(p, 0);
	/* client 1 floods: only 3 fit (per-client cap) */
	for (int i = 0; i < 5; i++) {
		jobs[i] = (struct tjob){.job = {.run = run_blocking, .client = 1}, .id = 10 + i};
		assert_int_equal(bw_workpool_submit(p, &jobs[i].job), i < 3 ? BW_OK : BW_ERR_BUSY);
	}
	/* client 2 still gets in, and is served before client 1's backlog */
	jobs[5] = (struct tjob){.job = {.run = run_blocking, .client = 2}, .id = 20};
	jobs[6] = (struct tjob){.job = {.run = run_blocking, .client = 2}, .id = 21};
	jobs[7] = (struct tjob){.job = {.run = run_blocking, .client = 3}, .id = 30};
	jobs[8] = (struct tjob){.job = {.run = run_blocking, .client = 4}, .id = 40};
	assert_int_equal(bw_workpool_submit(p, &jobs[5].job), BW_OK);
	assert_int_equal(bw_workpool_submit(p, &jobs[6].job), BW_OK);
	assert_int_equal(bw_workpool_submit(p, &jobs[7].job), BW_OK);
	/* the total cap (6) is reached */
	assert_int_equal(bw_workpool_submit(p, &jobs[8].job), BW_ERR_BUSY);
	open_gate();
	bw_workpool_free(p); /* drains the queue */
	assert_int_equal(n_order, 7);
	assert_int_equal(order[0], -1);
	/* round-robin: one job of each client per round, in queue order per client:
	 * {10, 20, 30}, then {11, 21}, then 12 — client 1's flood waits its turn */
	assert_int_equal(order[1] / 10 + order[2] / 10 + order[3] / 10, 6);
	assert_true(order[1] % 10 == 0 && order[2] % 10 == 0 && order[3] % 10 == 0);
	assert_true(order[1] != order[2] && order[2] != order[3] && order[1] != order[3]);
	assert_int_equal(order[4] + order[5], 32);
	assert_true(order[4] % 10 == 1 && order[5] % 10 == 1);
	assert_int_equal(order[6], 12);
}

static int accepted;
static void on_accept(struct bw_job *j)
{
	(void)j;
	accepted++;
}

static void accept_hook_runs_only_when_queued(void **state)
{
	struct bw_workpool *p;
	struct tjob blocker = {.job = {.run = run_blocking, .client = 1}, .id = 1};
	struct tjob a = {.job = {.run = run_blocking, .on_accept = on_accept, .client = 1},
	                 .id = 2};
	struct tjob b = {.job = {.run = run_blocking, .on_accept = on_accept, .client = 1},
	                 .id = 3};

	(void)state;
	gate_open = false;
	n_order = 0;
	accepted = 0;
	assert_int_equal(bw_workpool_new(1, 1, 1, &p), BW_OK);
	assert_int_equal(bw_workpool_submit(p, &blocker.job), BW_OK);
	wait_queued(p, 0);
	assert_int_equal(bw_workpool_submit(p, &a.job), BW_OK);
	assert_int_equal(bw_workpool_submit(p, &b.job), BW_ERR_BUSY);
	assert_int_equal(accepted, 1);
	open_gate();
	bw_workpool_free(p);
	assert_int_equal(n_order, 2);
	assert_int_equal(bw_workpool_new(0, 1, 1, &p), BW_ERR_INVALID);
	bw_workpool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(caps_and_fairness),
	        cmocka_unit_test(accept_hook_runs_only_when_queued),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
