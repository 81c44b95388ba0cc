/* test_random.c — tokens and request ids: format, uniqueness, fork safety. */
#include "bw_test.h"

#include <sys/wait.h>
#include <unistd.h>

static bool b64url(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static void token_format_and_bounds(void **state)
{
	char t[BW_TOKEN_SIZE(64)];

	(void)state;
	assert_int_equal(bw_random_token(16, t, BW_TOKEN_SIZE(16)), BW_OK);
	assert_int_equal(strlen(t), 22);
	assert_true(b64url(t));
	assert_int_equal(bw_random_token(32, t, BW_TOKEN_SIZE(32)), BW_OK);
	assert_int_equal(strlen(t), 43);
	assert_int_equal(bw_random_token(64, t, sizeof(t)), BW_OK);
	assert_int_equal(bw_random_token(0, t, sizeof(t)), BW_ERR_RANGE);
	assert_int_equal(bw_random_token(65, t, sizeof(t)), BW_ERR_RANGE);
	assert_int_equal(bw_random_token(16, t, BW_TOKEN_SIZE(16) - 1), BW_ERR_LIMIT);
}

static void ids_are_unique_across_pool_refills(void **state)
{
	enum { N = 2000 }; /* several pool refills */
	static char ids[N][BW_REQUEST_ID_SIZE];

	(void)state;
	for (int i = 0; i < N; i++) {
		bw_request_id(ids[i]);
		assert_int_equal(strlen(ids[i]), 22);
		assert_true(b64url(ids[i]));
	}
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				fail_msg("duplicate id at %d and %d", i, j);
}

static void forked_child_does_not_repeat_parent(void **state)
{
	int fds[2];
	char mine[BW_REQUEST_ID_SIZE], theirs[BW_REQUEST_ID_SIZE] = {0};
	pid_t pid;
	int status;

	(void)state;
	bw_request_id(mine); /* the pool is filled now */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char id[BW_REQUEST_ID_SIZE];

		bw_request_id(id);
		_exit(write(fds[1], id, sizeof(id)) == (ssize_t)sizeof(id) ? 0 : 1);
	}
	bw_request_id(mine);
	assert_int_equal(read(fds[0], theirs, sizeof(theirs)), (ssize_t)sizeof(theirs));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_string_not_equal(mine, theirs);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(token_format_and_bounds),
	        cmocka_unit_test(ids_are_unique_across_pool_refills),
	        cmocka_unit_test(forked_child_does_not_repeat_parent),
	};

	if (bw_init() != BW_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
