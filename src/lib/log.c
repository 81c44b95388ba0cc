/*
 * log.c — structured, sanitized JSON-lines logging.
 *
 * A line is built on the caller's stack in a fixed BW_LOG_LINE_MAX buffer, so
 * formatting runs in parallel and needs no allocation; only the write(2) and
 * the rate-limit table sit under the mutex. The tail of the buffer is kept
 * back for the trailer ("truncated", "dropped_fields", "suppressed", "}\n"),
 * so whatever the fields hold, the line closes properly and never grows past
 * the cap. JSON string escaping lives here on purpose: the logger must not
 * depend on any module that might one day log.
 */
#include "bulwark/log.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bulwark/utf8.h"

/* Room kept for the trailer: ,"truncated":true ,"dropped_fields":N ,"suppressed":N }\n */
#define TRAILER_RESERVE 96u
#define LINE_END        (BW_LOG_LINE_MAX - TRAILER_RESERVE)
#define MARKER_LEN      (sizeof(BW_LOG_TRUNCATED) - 1)
/* Longest escape of one character: a surrogate pair, \uXXXX\uXXXX. */
#define UNIT_MAX 12u

struct limit_slot {
	char event[BW_LOG_KEY_MAX + 1];
	uint64_t window_ms;  /* start of the current one-second window */
	uint64_t suppressed; /* lines left out since the last one written */
	unsigned count;      /* lines written in the current window */
	bool used;
};

struct bw_log {
	int fd;
	atomic_int level;
	pthread_mutex_t mu; /* serializes writes and guards slots */
	atomic_uint_fast64_t lines;
	atomic_uint_fast64_t lines_dropped;
	atomic_uint_fast64_t lines_truncated;
	atomic_uint_fast64_t lines_limited;
	atomic_uint_fast64_t fields_dropped;
	struct limit_slot slots[BW_LOG_LIMIT_SLOTS];
};

struct line {
	char p[BW_LOG_LINE_MAX];
	size_t len;
	size_t dropped;
	bool truncated;
};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static const char *const reserved_keys[] = {
        "ts", "level", "event", "request_id", "truncated", "dropped_fields", "suppressed",
};

/* Matched as ASCII case-insensitive substrings of the key. */
static const char *const sensitive_words[] = {
        "authorization", "cookie", "set-cookie",  "password",    "passwd",
        "secret",        "token",  "api_key",     "api-key",     "apikey",
        "session",       "csrf",   "private_key", "private-key",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool level_valid(enum bw_log_level level)
{
	return (unsigned)level < COUNT(level_names);
}

const char *bw_log_level_str(enum bw_log_level level)
{
	return level_valid(level) ? level_names[level] : "unknown";
}

enum bw_err bw_log_level_parse(struct bw_str s, enum bw_log_level *out)
{
	BW_REQUIRE(out != NULL);
	for (size_t i = 0; i < COUNT(level_names); i++) {
		if (bw_str_eq_c(s, level_names[i])) {
			*out = (enum bw_log_level)i;
			return BW_OK;
		}
	}
	return BW_ERR_INVALID;
}

enum bw_err bw_log_new(int fd, enum bw_log_level level, struct bw_log **out)
{
	struct bw_log *log;

	BW_REQUIRE(out != NULL);
	*out = NULL;
	if ((fd < 0 && fd != BW_LOG_STDERR) || !level_valid(level))
		return BW_ERR_INVALID;
	log = calloc(1, sizeof(*log));
	if (log == NULL)
		return BW_ERR_NOMEM;
	if (pthread_mutex_init(&log->mu, NULL) != 0) {
		free(log);
		return BW_ERR_INTERNAL;
	}
	log->fd = fd == BW_LOG_STDERR ? STDERR_FILENO : fd;
	atomic_init(&log->level, (int)level);
	atomic_init(&log->lines, 0);
	atomic_init(&log->lines_dropped, 0);
	atomic_init(&log->lines_truncated, 0);
	atomic_init(&log->lines_limited, 0);
	atomic_init(&log->fields_dropped, 0);
	*out = log;
	return BW_OK;
}

void bw_log_free(struct bw_log *log)
{
	if (log == NULL)
		return;
	pthread_mutex_destroy(&log->mu);
	free(log);
}

void bw_log_set_level(struct bw_log *log, enum bw_log_level level)
{
	BW_REQUIRE(log != NULL && level_valid(level));
	atomic_store(&log->level, (int)level);
}

bool bw_log_enabled(const struct bw_log *log, enum bw_log_level level)
{
	BW_REQUIRE(log != NULL);
	return level_valid(level) && (int)level >= atomic_load(&log->level);
}

void bw_log_stats(const struct bw_log *log, struct bw_log_stats *out)
{
	BW_REQUIRE(log != NULL && out != NULL);
	out->lines = atomic_load(&log->lines);
	out->lines_dropped = atomic_load(&log->lines_dropped);
	out->lines_truncated = atomic_load(&log->lines_truncated);
	out->lines_limited = atomic_load(&log->lines_limited);
	out->fields_dropped = atomic_load(&log->fields_dropped);
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool contains_ci(struct bw_str hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n > hay.len)
		return false;
	for (size_t i = 0; i + n <= hay.len; i++) {
		size_t j = 0;

		while (j < n && lower(hay.p[i + j]) == needle[j])
			j++;
		if (j == n)
			return true;
	}
	return false;
}

bool bw_log_key_sensitive(struct bw_str key)
{
	for (size_t i = 0; i < COUNT(sensitive_words); i++)
		if (contains_ci(key, sensitive_words[i]))
			return true;
	return false;
}

/* 1..BW_LOG_KEY_MAX bytes of [a-z0-9_.]; keys and event names alike. */
static bool ident_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= BW_LOG_KEY_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return false;
	}
	return i > 0;
}

static bool key_reserved(const char *key)
{
	for (size_t i = 0; i < COUNT(reserved_keys); i++)
		if (strcmp(key, reserved_keys[i]) == 0)
			return true;
	return false;
}

/*
 * Code points written as \u escapes although JSON would allow them raw:
 * C1 controls (NEL ends a line for some readers), the Arabic letter mark,
 * zero-width and directional marks, line/paragraph separators, embeddings and
 * overrides, invisible operators and isolates, the BOM, interlinear
 * annotations, and the tag characters used to smuggle invisible text.
 */
static bool must_escape(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
	       (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE0000 && cp <= 0xE007F);
}

static size_t u_escape(uint32_t u, char *out)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'u';
	out[2] = hex[(u >> 12) & 0xF];
	out[3] = hex[(u >> 8) & 0xF];
	out[4] = hex[(u >> 4) & 0xF];
	out[5] = hex[u & 0xF];
	return 6;
}

/*
 * The JSON string form of the character at s[0..len) (len > 0) into out,
 * at most UNIT_MAX bytes; returns its length and sets *used to the input
 * bytes it stands for. Only printable ASCII and well-formed, harmless UTF-8
 * stay raw.
 */
static size_t esc_unit(const uint8_t *s, size_t len, char out[UNIT_MAX], size_t *used)
{
	uint8_t c = s[0];
	uint32_t cp;
	size_t n;

	if (c < 0x80) {
		*used = 1;
		if (c == '"' || c == '\\') {
			out[0] = '\\';
			out[1] = (char)c;
			return 2;
		}
		if (c < 0x20 || c == 0x7F)
			return u_escape(c, out);
		out[0] = (char)c;
		return 1;
	}
	if (!bw_utf8_decode(s, len, &cp, &n)) {
		*used = n;
		return u_escape(0xFFFD, out);
	}
	*used = n;
	if (!must_escape(cp)) {
		memcpy(out, s, n);
		return n;
	}
	if (cp >= 0x10000) {
		cp -= 0x10000;
		(void)u_escape(0xD800 | (cp >> 10), out);
		return 6 + u_escape(0xDC00 | (cp & 0x3FF), out + 6);
	}
	return u_escape(cp, out);
}

/* Escaped length of s, counted only until it passes limit. */
static size_t esc_len(struct bw_str s, size_t limit)
{
	const uint8_t *p = (const uint8_t *)s.p;
	size_t total = 0, i = 0, used;
	char tmp[UNIT_MAX];

	while (i < s.len && total <= limit) {
		total += esc_unit(p + i, s.len - i, tmp, &used);
		i += used;
	}
	return total;
}

static size_t room(const struct line *l)
{
	return LINE_END - l->len;
}

static bool put(struct line *l, const char *s, size_t n)
{
	if (n > room(l))
		return false;
	memcpy(l->p + l->len, s, n);
	l->len += n;
	return true;
}

static bool put_c(struct line *l, const char *s)
{
	return put(l, s, strlen(s));
}

/*
 * Write s escaped, taking at most budget bytes (budget >= MARKER_LEN, and
 * budget <= room). A value that does not fit is cut before the first
 * character that would pass budget - MARKER_LEN, never inside an escape or a
 * UTF-8 sequence, and ends with the marker.
 */
static void put_escaped(struct line *l, struct bw_str s, size_t budget)
{
	const uint8_t *p = (const uint8_t *)s.p;
	size_t i = 0, used, k, w = 0;
	char tmp[UNIT_MAX];
	bool cut = esc_len(s, budget) > budget;
	size_t limit = cut ? budget - MARKER_LEN : budget;

	while (i < s.len) {
		k = esc_unit(p + i, s.len - i, tmp, &used);
		if (k > limit - w)
			break;
		memcpy(l->p + l->len, tmp, k);
		l->len += k;
		w += k;
		i += used;
	}
	if (cut) {
		memcpy(l->p + l->len, BW_LOG_TRUNCATED, MARKER_LEN);
		l->len += MARKER_LEN;
		l->truncated = true;
	}
}

/* ,"key":"value" with the value escaped and capped at max bytes; false if no room at all. */
static bool put_str_member(struct line *l, const char *key, struct bw_str v, size_t max)
{
	size_t klen = strlen(key);
	size_t overhead = klen + 6; /* ,"":"" */
	size_t budget;

	if (room(l) < overhead + MARKER_LEN)
		return false;
	budget = room(l) - overhead;
	if (budget > max)
		budget = max;
	(void)put(l, ",\"", 2);
	(void)put(l, key, klen);
	(void)put(l, "\":\"", 3);
	put_escaped(l, v, budget);
	(void)put(l, "\"", 1);
	return true;
}

/* ,"key":raw where raw is already valid JSON (a number, a literal). */
static bool put_raw_member(struct line *l, const char *key, const char *raw)
{
	size_t klen = strlen(key), rlen = strlen(raw);

	if (room(l) < klen + rlen + 4) /* ,"": */
		return false;
	(void)put(l, ",\"", 2);
	(void)put(l, key, klen);
	(void)put(l, "\":", 2);
	(void)put(l, raw, rlen);
	return true;
}

/* Decimal digits of v into the end of buf[32]; returns the first digit. */
static char *u64_digits(uint64_t v, char buf[32])
{
	char *p = buf + 31;

	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

static bool put_field(struct line *l, const struct bw_log_field *f)
{
	char num[32];

	if (f->kind == BW_LOG_SECRET || bw_log_key_sensitive(bw_str_c(f->key)))
		return put_raw_member(l, f->key, "\"" BW_LOG_REDACTED "\"");
	switch (f->kind) {
	case BW_LOG_STR:
		if (f->v.s.p == NULL && f->v.s.len != 0)
			return put_raw_member(l, f->key, "null");
		return put_str_member(l, f->key, f->v.s, BW_LOG_VALUE_MAX);
	case BW_LOG_INT: {
		uint64_t mag = f->v.i < 0 ? 0u - (uint64_t)f->v.i : (uint64_t)f->v.i;
		char *d = u64_digits(mag, num);

		if (f->v.i < 0)
			*--d = '-';
		return put_raw_member(l, f->key, d);
	}
	case BW_LOG_UINT: {
		char *d;

		/* jansson and others refuse integers past INT64_MAX: those go quoted */
		if (f->v.u > INT64_MAX) {
			char quoted[34];
			size_t n;

			d = u64_digits(f->v.u, num);
			n = strlen(d);
			quoted[0] = '"';
			memcpy(quoted + 1, d, n);
			quoted[n + 1] = '"';
			quoted[n + 2] = '\0';
			return put_raw_member(l, f->key, quoted);
		}
		return put_raw_member(l, f->key, u64_digits(f->v.u, num));
	}
	case BW_LOG_BOOL:
		return put_raw_member(l, f->key, f->v.b ? "true" : "false");
	case BW_LOG_SECRET:
		break;
	}
	/* an unknown kind: say nothing about the value */
	return put_raw_member(l, f->key, "\"" BW_LOG_REDACTED "\"");
}

/*
 * The timestamp: formatting a date costs more than the rest of a line, and
 * it changes once a second, so each thread keeps the text of its last second
 * and only writes the milliseconds.
 */
static _Thread_local time_t ts_second = (time_t)-1;
static _Thread_local char ts_prefix[40];
static _Thread_local size_t ts_prefix_len;

static void put_ts(struct line *l)
{
	struct timespec now;
	struct tm tm;
	char ms[6];
	int k, msec;

	if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
		now.tv_sec = 0;
		now.tv_nsec = 0;
	}
	if (now.tv_sec != ts_second) {
		if (gmtime_r(&now.tv_sec, &tm) == NULL || tm.tm_year < -1900 ||
		    tm.tm_year > 9999 - 1900) {
			memset(&tm, 0, sizeof(tm));
			tm.tm_year = 70;
			tm.tm_mday = 1;
		}
		k = snprintf(ts_prefix, sizeof(ts_prefix),
		             "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		             tm.tm_sec > 59 ? 59 : tm.tm_sec);
		if (k <= 0 || (size_t)k >= sizeof(ts_prefix))
			return;
		ts_prefix_len = (size_t)k;
		ts_second = now.tv_sec;
	}
	msec = (int)(now.tv_nsec / 1000000) % 1000;
	ms[0] = '.';
	ms[1] = (char)('0' + msec / 100);
	ms[2] = (char)('0' + msec / 10 % 10);
	ms[3] = (char)('0' + msec % 10);
	ms[4] = 'Z';
	ms[5] = '"';
	(void)put(l, ts_prefix, ts_prefix_len);
	(void)put(l, ms, sizeof(ms));
}

static bool write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* Build and write one line; level and event are already checked. */
static void emit(struct bw_log *log, enum bw_log_level level, const char *request_id,
                 const char *event, const struct bw_log_field *fields, size_t n, size_t dropped,
                 uint64_t suppressed)
{
	struct line l;
	const char *seen[BW_LOG_FIELDS_MAX];
	size_t nseen = 0;
	int k;
	bool ok;

	l.len = 0;
	l.dropped = dropped;
	l.truncated = false;
	put_ts(&l);
	(void)put_c(&l, ",\"level\":\"");
	(void)put_c(&l, level_names[level]);
	(void)put_c(&l, "\",\"event\":\"");
	(void)put_c(&l, event);
	(void)put_c(&l, "\"");
	if (request_id != NULL)
		(void)put_str_member(&l, "request_id", bw_str_c(request_id), BW_LOG_REQUEST_ID_MAX);

	for (size_t i = 0; i < n; i++) {
		const struct bw_log_field *f = &fields[i];
		bool dup = false;

		if (nseen >= BW_LOG_FIELDS_MAX || !ident_valid(f->key) || key_reserved(f->key)) {
			l.dropped++;
			continue;
		}
		for (size_t j = 0; j < nseen && !dup; j++)
			dup = strcmp(seen[j], f->key) == 0;
		if (dup) {
			l.dropped++;
			continue;
		}
		if (!put_field(&l, f)) {
			l.dropped++;
			l.truncated = true;
			continue;
		}
		seen[nseen++] = f->key;
	}

	/* The trailer goes into the reserved tail: it always fits. */
	if (l.truncated) {
		k = snprintf(l.p + l.len, BW_LOG_LINE_MAX - l.len, ",\"truncated\":true");
		l.len += k > 0 ? (size_t)k : 0;
	}
	if (l.dropped > 0) {
		k = snprintf(l.p + l.len, BW_LOG_LINE_MAX - l.len, ",\"dropped_fields\":%zu",
		             l.dropped);
		l.len += k > 0 ? (size_t)k : 0;
	}
	if (suppressed > 0) {
		k = snprintf(l.p + l.len, BW_LOG_LINE_MAX - l.len, ",\"suppressed\":%" PRIu64,
		             suppressed);
		l.len += k > 0 ? (size_t)k : 0;
	}
	l.p[l.len++] = '}';
	l.p[l.len++] = '\n';

	if (l.dropped > 0)
		atomic_fetch_add(&log->fields_dropped, l.dropped);
	pthread_mutex_lock(&log->mu);
	ok = write_all(log->fd, l.p, l.len);
	pthread_mutex_unlock(&log->mu);
	if (!ok) {
		atomic_fetch_add(&log->lines_dropped, 1);
		return;
	}
	atomic_fetch_add(&log->lines, 1);
	if (l.truncated)
		atomic_fetch_add(&log->lines_truncated, 1);
}

/* Whether the line should be written: the threshold, then the checks that drop it. */
static bool admit(struct bw_log *log, enum bw_log_level level, const char *event,
                  const struct bw_log_field *fields, size_t n)
{
	BW_REQUIRE(log != NULL);
	BW_REQUIRE(fields != NULL || n == 0);
	if (!level_valid(level) || !ident_valid(event)) {
		atomic_fetch_add(&log->lines_dropped, 1);
		return false;
	}
	return (int)level >= atomic_load(&log->level);
}

void bw_log_event(struct bw_log *log, enum bw_log_level level, const char *request_id,
                  const char *event, const struct bw_log_field *fields, size_t n)
{
	if (admit(log, level, event, fields, n))
		emit(log, level, request_id, event, fields, n, 0, 0);
}

static uint64_t now_ms(void)
{
	struct timespec t;

	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/*
 * Take one line from the event's budget under the mutex. True when it may be
 * written, with *suppressed set to what was left out before it.
 */
static bool limit_take(struct bw_log *log, const char *event, unsigned per_sec,
                       uint64_t *suppressed)
{
	uint64_t now = now_ms();
	struct limit_slot *s = NULL;
	bool pass;

	pthread_mutex_lock(&log->mu);
	for (size_t i = 0; i < BW_LOG_LIMIT_SLOTS && s == NULL; i++)
		if (log->slots[i].used && strcmp(log->slots[i].event, event) == 0)
			s = &log->slots[i];
	if (s == NULL) {
		/* a free slot, else the one whose window started longest ago */
		s = &log->slots[0];
		for (size_t i = 0; i < BW_LOG_LIMIT_SLOTS && s->used; i++)
			if (!log->slots[i].used || log->slots[i].window_ms < s->window_ms)
				s = &log->slots[i];
		memset(s, 0, sizeof(*s));
		memcpy(s->event, event, strlen(event) + 1); /* ident_valid: <= BW_LOG_KEY_MAX */
		s->used = true;
		s->window_ms = now;
	}
	if (now - s->window_ms >= 1000u) {
		s->window_ms = now;
		s->count = 0;
	}
	pass = s->count < per_sec;
	if (pass) {
		s->count++;
		*suppressed = s->suppressed;
		s->suppressed = 0;
	} else {
		s->suppressed++;
	}
	pthread_mutex_unlock(&log->mu);
	if (!pass)
		atomic_fetch_add(&log->lines_limited, 1);
	return pass;
}

void bw_log_event_limited(struct bw_log *log, unsigned per_sec, enum bw_log_level level,
                          const char *request_id, const char *event,
                          const struct bw_log_field *fields, size_t n)
{
	uint64_t suppressed = 0;

	if (admit(log, level, event, fields, n) && limit_take(log, event, per_sec, &suppressed))
		emit(log, level, request_id, event, fields, n, 0, suppressed);
}

/*
 * "header." + the name lower-cased with '-' as '_' into key; false when the
 * result would not be a valid key (so a NUL or a space in the name can never
 * shorten or disguise it).
 */
static bool header_key(struct bw_str name, char key[BW_LOG_KEY_MAX + 1])
{
	static const char prefix[] = "header.";
	size_t plen = sizeof(prefix) - 1;

	if (name.len == 0 || name.len > BW_LOG_KEY_MAX - plen)
		return false;
	memcpy(key, prefix, plen);
	for (size_t i = 0; i < name.len; i++) {
		char c = lower(name.p[i]);

		if (c == '-')
			c = '_';
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return false;
		key[plen + i] = c;
	}
	key[plen + name.len] = '\0';
	return true;
}

void bw_log_headers(struct bw_log *log, enum bw_log_level level, const char *request_id,
                    const char *event, const struct bw_log_header *hdrs, size_t n)
{
	struct bw_log_field fields[BW_LOG_FIELDS_MAX];
	char keys[BW_LOG_FIELDS_MAX][BW_LOG_KEY_MAX + 1];
	size_t m = n < BW_LOG_FIELDS_MAX ? n : BW_LOG_FIELDS_MAX;

	BW_REQUIRE(hdrs != NULL || n == 0);
	if (!admit(log, level, event, NULL, 0))
		return;
	for (size_t i = 0; i < m; i++) {
		/* a NULL key is dropped and counted by emit() */
		/* Authorization, Proxy-Authorization, Cookie and Set-Cookie map to keys
		 * holding "authorization" or "cookie": emit() redacts them by name. */
		fields[i].key = header_key(hdrs[i].name, keys[i]) ? keys[i] : NULL;
		fields[i].kind = BW_LOG_STR;
		fields[i].v.s = hdrs[i].value;
	}
	emit(log, level, request_id, event, fields, m, n - m, 0);
}
