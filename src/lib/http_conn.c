/*
 * http_conn.c — connection tracking and the absolute deadline for a request
 * head (and body).
 *
 * libmicrohttpd's timeout is per inactivity, so a client that drips one byte
 * a second keeps its connection for ever (recipes/mhd.md §2). Every
 * connection is tracked from NOTIFY_CONNECTION STARTED to CLOSED; a watchdog
 * thread shuts down (never closes: the fd stays owned by MHD) any connection
 * whose first head (TLS handshake included) has not arrived within
 * header_timeout_ms of the connection's start, whose next head on a kept-alive
 * connection has not arrived within idle_timeout_s of the previous answer,
 * or whose body has not arrived within BODY_DEADLINE_MS. A connection whose request is being
 * handled (or is suspended on the worker pool) has no deadline here.
 */
#include "http_internal.h"

#include <stdlib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY_DEADLINE_MS 60000u
#define WATCHDOG_TICK_MS 100u

enum phase {
	PHASE_HEAD,    /* a new connection: TLS handshake and the first head */
	PHASE_IDLE,    /* keep-alive between requests (and the next head) */
	PHASE_BODY,    /* head in, body coming */
	PHASE_HANDLER, /* being answered: no deadline here */
};

struct conn_track {
	struct conn_track *prev, *next;
	int fd;
	enum phase phase;
	uint64_t since_ms;
	bool shut;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void bw_http_conn_started(struct bw_http *h, struct MHD_Connection *c, void **socket_ctx)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn_track *t;
	int one = 1;

	*socket_ctx = NULL;
	if (ci == NULL)
		return;
	/* MHD sets TCP_NODELAY late: without it the TLS handshake's second write
	 * waits for the client's delayed ACK (about 40 ms per new connection) */
	(void)setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return; /* untracked: MHD's own idle timeout still applies */
	t->fd = ci->connect_fd;
	t->phase = PHASE_HEAD;
	t->since_ms = now_ms();
	pthread_mutex_lock(&h->conn_mu);
	t->next = h->conns;
	if (h->conns != NULL)
		h->conns->prev = t;
	h->conns = t;
	pthread_mutex_unlock(&h->conn_mu);
	*socket_ctx = t;
}

void bw_http_conn_closed(struct bw_http *h, void **socket_ctx)
{
	struct conn_track *t = *socket_ctx;

	if (t == NULL)
		return;
	pthread_mutex_lock(&h->conn_mu);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		h->conns = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&h->conn_mu);
	free(t);
	*socket_ctx = NULL;
}

static struct conn_track *track_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
	        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static void set_phase(struct bw_http *h, struct MHD_Connection *c, enum phase p)
{
	struct conn_track *t = track_of(c);

	if (t == NULL)
		return;
	pthread_mutex_lock(&h->conn_mu);
	t->phase = p;
	t->since_ms = now_ms();
	pthread_mutex_unlock(&h->conn_mu);
}

void bw_http_conn_head_done(struct bw_http *h, struct MHD_Connection *c)
{
	set_phase(h, c, PHASE_BODY);
}

void bw_http_conn_request_done(struct bw_http *h, struct MHD_Connection *c)
{
	set_phase(h, c, PHASE_IDLE);
}

/* Called by the pipeline once the whole body is in: no deadline while handling. */
void bw_http_conn_handling(struct bw_http *h, struct MHD_Connection *c)
{
	set_phase(h, c, PHASE_HANDLER);
}

static void *watchdog(void *arg)
{
	struct bw_http *h = arg;
	struct timespec tick = {0, (long)WATCHDOG_TICK_MS * 1000000L};

	while (!atomic_load(&h->watchdog_stop)) {
		uint64_t now = now_ms();

		pthread_mutex_lock(&h->conn_mu);
		for (struct conn_track *t = h->conns; t != NULL; t = t->next) {
			uint64_t limit;

			if (t->shut || t->phase == PHASE_HANDLER)
				continue;
			limit = t->phase == PHASE_HEAD ? h->cfg.header_timeout_ms
			                               : BODY_DEADLINE_MS;
			if (now - t->since_ms > limit) {
				/* the fd is still open while tracked (CLOSED unlinks under
				 * this mutex), so it cannot have been reused */
				shutdown(t->fd, SHUT_RDWR);
				t->shut = true;
				atomic_fetch_add(&h->stats.head_deadline_closed, 1);
			}
		}
		pthread_mutex_unlock(&h->conn_mu);
		nanosleep(&tick, NULL);
	}
	return NULL;
}

enum bw_err bw_http_watchdog_start(struct bw_http *h)
{
	atomic_store(&h->watchdog_stop, false);
	if (pthread_create(&h->watchdog, NULL, watchdog, h) != 0)
		return BW_ERR_IO;
	h->watchdog_running = true;
	return BW_OK;
}

void bw_http_watchdog_stop(struct bw_http *h)
{
	if (!h->watchdog_running)
		return;
	atomic_store(&h->watchdog_stop, true);
	pthread_join(h->watchdog, NULL);
	h->watchdog_running = false;
}
