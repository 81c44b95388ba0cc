/* test_jobs.c — the background queue: order, a full queue, stop and release. */
#include "bw_test.h"

#include <pthread.h>
#include <time.h>

#include "jobs.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int ran[16], n_ran, released;

static void reset_state(void)
{
	gate_open = false;
	n_ran = 0;
	released = 0;
}

static void run(void *arg, void *ctx)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!gate_open)
		pthread_cond_wait(&cv, &mu);
	ran[n_ran++] = *(int *)ctx;
	pthread_mutex_unlock(&mu);
}

static void release(void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&mu);
	released++;
	pthread_mutex_unlock(&mu);
}

static void open_gate(void)
{
	pthread_mutex_lock(&mu);
	gate_open = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void *open_gate_later(void *arg)
{
	struct timespec ts = {0, 300 * 1000000L};

	(void)arg;
	nanosleep(&ts, NULL);
	open_gate();
	return NULL;
}

static void runs_in_order_and_refuses_when_full(void **state)
{
	static int ids[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	struct bw_jobs *j;
	int busy = 0;

	(void)state;
	reset_state();
	assert_int_equal(bw_jobs_start(0, NULL, &j), BW_ERR_INVALID);
	assert_int_equal(bw_jobs_start(3, NULL, &j), BW_OK);
	/* one job runs (held at the gate), three wait, the rest find the queue full */
	for (int i = 0; i < 8; i++)
		if (bw_jobs_submit(j, run, &ids[i], release) == BW_ERR_BUSY)
			busy++;
	assert_in_range(busy, 4, 5);
	/* a refused job was released at once, never run */
	pthread_mutex_lock(&mu);
	assert_int_equal(released, busy);
	pthread_mutex_unlock(&mu);
	assert_int_equal(bw_jobs_wait_idle(j, 50), BW_ERR_BUSY);
	open_gate();
	assert_int_equal(bw_jobs_wait_idle(j, 5000), BW_OK);
	assert_int_equal(n_ran, 8 - busy);
	for (int i = 0; i < n_ran; i++)
		assert_int_equal(ran[i], i);
	assert_int_equal(released, 8);
	bw_jobs_stop(j, 1000);
}

static void stop_runs_the_queue_then_refuses(void **state)
{
	static int ids[3] = {10, 11, 12};
	struct bw_jobs *j;

	(void)state;
	reset_state();
	assert_int_equal(bw_jobs_start(8, NULL, &j), BW_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(bw_jobs_submit(j, run, &ids[i], release), BW_OK);
	open_gate();
	bw_jobs_stop(j, 5000);
	assert_int_equal(n_ran, 3);
	assert_int_equal(released, 3);
}

static void stop_past_the_deadline_releases_the_rest(void **state)
{
	static int ids[4] = {20, 21, 22, 23};
	struct bw_jobs *j;
	pthread_t t;

	(void)state;
	reset_state();
	assert_int_equal(bw_jobs_start(8, NULL, &j), BW_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(bw_jobs_submit(j, run, &ids[i], release), BW_OK);
	/* the gate opens only after the stop deadline passed: one job was running,
	 * it finishes; the three queued are released unrun */
	assert_int_equal(pthread_create(&t, NULL, open_gate_later, NULL), 0);
	bw_jobs_stop(j, 100);
	pthread_join(t, NULL);
	assert_int_equal(n_ran, 1);
	assert_int_equal(released, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(runs_in_order_and_refuses_when_full),
	        cmocka_unit_test(stop_runs_the_queue_then_refuses),
	        cmocka_unit_test(stop_past_the_deadline_releases_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
