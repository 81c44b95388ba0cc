/*
 * random.c — library initialisation and CSPRNG helpers over libsodium.
 *
 * Tokens and request ids are made on every request; asking the kernel for
 * 16 bytes each time costs a getrandom(2) call per request. So each thread
 * keeps a small pool filled from the same CSPRNG in one call and hands out
 * slices of it, each slice used once and wiped as it is taken. The pool is
 * emptied in a forked child, so parent and child never share a slice.
 */
#include "bulwark/random.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define POOL_SIZE 4096u

static _Thread_local unsigned char pool[POOL_SIZE];
static _Thread_local size_t pool_left; /* unused bytes at the end of pool */

static void forget_pool(void)
{
	sodium_memzero(pool, sizeof(pool));
	pool_left = 0;
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void register_atfork(void)
{
	(void)pthread_atfork(NULL, NULL, forget_pool);
}

enum bw_err bw_init(void)
{
	if (sodium_init() < 0)
		return BW_ERR_CRYPTO;
	return pthread_once(&atfork_once, register_atfork) == 0 ? BW_OK : BW_ERR_INTERNAL;
}

/* n (≤ 64) random bytes from this thread's pool. */
static void pooled(unsigned char *out, size_t n)
{
	unsigned char *src;

	if (pool_left < n) {
		randombytes_buf(pool, sizeof(pool));
		pool_left = sizeof(pool);
	}
	src = pool + sizeof(pool) - pool_left;
	memcpy(out, src, n);
	sodium_memzero(src, n);
	pool_left -= n;
}

void bw_random_bytes(void *p, size_t len)
{
	randombytes_buf(p, len);
}

uint32_t bw_random_uniform(uint32_t upper)
{
	return randombytes_uniform(upper);
}

enum bw_err bw_random_token(size_t nbytes, char *out, size_t outsize)
{
	unsigned char raw[64];
	size_t need;

	if (nbytes == 0 || nbytes > sizeof(raw))
		return BW_ERR_RANGE;
	need = sodium_base64_ENCODED_LEN(nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (outsize < need)
		return BW_ERR_LIMIT;
	pooled(raw, nbytes);
	sodium_bin2base64(out, outsize, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return BW_OK;
}

void bw_request_id(char out[BW_REQUEST_ID_SIZE])
{
	unsigned char raw[BW_REQUEST_ID_BYTES];

	pooled(raw, sizeof(raw));
	sodium_bin2base64(out, BW_REQUEST_ID_SIZE, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}
