/*
 * embedded.h — files built into the binary (cmake/embed.cmake): the page
 * templates and the static files the server answers. Read-only, for the
 * life of the process.
 */
#ifndef BULWARK_EMBEDDED_H
#define BULWARK_EMBEDDED_H

#include <stddef.h>

/** One embedded file; data ends with a NUL that len does not count. */
struct bw_embedded {
	const char *name; /**< "login" for templates/login.html, "bulwark.css" */
	const unsigned char *data;
	size_t len;
};

/** the files of templates/, named without the extension; a NULL name ends the table. */
extern const struct bw_embedded bw_embedded_templates[];
extern const size_t bw_embedded_templates_n;

/** the files of static/, served under /static/ by name. */
extern const struct bw_embedded bw_embedded_static[];
extern const size_t bw_embedded_static_n;

#endif
