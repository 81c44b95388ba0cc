/*
 * settings_http.c — the settings that the HTTP core takes as they are. One
 * table maps each such settings field to its struct bw_http_config field, so
 * the defaults are written once (bw_http_config_defaults) and the copy into
 * the server's configuration cannot miss a field.
 */
#include <stddef.h>
#include <string.h>

#include "bulwark/http.h"
#include "settings.h"
#include "settings_http.h"

struct shared_field {
	size_t s_off; /* in struct bw_settings */
	size_t h_off; /* in struct bw_http_config */
	size_t size;
};

#define SHARED(sf, hf)                                                                         \
	{                                                                                      \
		offsetof(struct bw_settings, sf), offsetof(struct bw_http_config, hf),         \
		        sizeof(((struct bw_settings *)0)->sf) +                                \
		                0 * sizeof(char[sizeof(((struct bw_settings *)0)->sf) ==       \
		                                                sizeof(((struct bw_http_config \
		                                                                 *)0)          \
		                                                               ->hf)           \
		                                        ? 1                                    \
		                                        : -1])                                 \
	}

static const struct shared_field shared[] = {
        SHARED(threads, threads),
        SHARED(max_url_length, max_url_length),
        SHARED(max_header_count, max_header_count),
        SHARED(max_header_bytes, max_header_bytes),
        SHARED(max_body_json, max_body_json),
        SHARED(max_body_json, max_body_form),
        SHARED(header_timeout_ms, header_timeout_ms),
        SHARED(idle_timeout_s, idle_timeout_s),
        SHARED(max_connections, max_connections),
        SHARED(per_ip_connections, per_ip_connections),
        SHARED(workers, workers),
        SHARED(worker_queue, worker_queue),
        SHARED(worker_queue_per_ip, worker_queue_per_ip),
        SHARED(rl_ip_rate, rl_ip_rate),
        SHARED(rl_ip_period, rl_ip_period),
        SHARED(rl_ip_burst, rl_ip_burst),
        SHARED(rl_max_keys, rl_max_keys),
        SHARED(cors_max_age, cors_max_age),
        SHARED(csp_reporting, csp_reporting),
        SHARED(hsts_preload, hsts_preload),
};

void bw_settings_http_defaults(struct bw_settings *s)
{
	struct bw_http_config hc;

	bw_http_config_defaults(&hc);
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		memcpy((char *)s + shared[i].s_off, (const char *)&hc + shared[i].h_off,
		       shared[i].size);
}

void bw_settings_to_http(const struct bw_settings *s, struct bw_http_config *hc)
{
	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		memcpy((char *)hc + shared[i].h_off, (const char *)s + shared[i].s_off,
		       shared[i].size);
}
