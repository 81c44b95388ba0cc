/*
 * settings_http.h — moving the HTTP core's settings between struct
 * bw_settings and struct bw_http_config (see settings_http.c).
 */
#ifndef BULWARK_SETTINGS_HTTP_H
#define BULWARK_SETTINGS_HTTP_H

#include "bulwark/http.h"
#include "settings.h"

/** bw_settings_http_defaults - set the HTTP core's fields of s to its defaults. */
void bw_settings_http_defaults(struct bw_settings *s);

/** bw_settings_to_http - copy the HTTP core's fields of s into hc. */
void bw_settings_to_http(const struct bw_settings *s, struct bw_http_config *hc);

#endif
