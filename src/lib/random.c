/* random.c — library initialisation and CSPRNG helpers over libsodium. */
#include "bulwark/random.h"

#include <sodium.h>

enum bw_err bw_init(void)
{
	return sodium_init() < 0 ? BW_ERR_CRYPTO : BW_OK;
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
	randombytes_buf(raw, nbytes);
	sodium_bin2base64(out, outsize, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	return BW_OK;
}

void bw_request_id(char out[BW_REQUEST_ID_SIZE])
{
	unsigned char raw[BW_REQUEST_ID_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, BW_REQUEST_ID_SIZE, raw, sizeof(raw),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
