/*
 * bulwark.h — the whole public API of libbulwark. Each module has its own
 * header; include this one to get all of them.
 */
#ifndef BULWARK_H
#define BULWARK_H

#include "bulwark/err.h"
#include "bulwark/str.h"
#include "bulwark/arena.h"
#include "bulwark/buf.h"
#include "bulwark/secret.h"
#include "bulwark/random.h"
#include "bulwark/utf8.h"
#include "bulwark/url.h"
#include "bulwark/encode.h"
#include "bulwark/validate.h"
#include "bulwark/json.h"
#include "bulwark/config.h"
#include "bulwark/log.h"
#include "bulwark/fsutil.h"
#include "bulwark/keys.h"
#include "bulwark/tls.h"
#include "bulwark/netaddr.h"
#include "bulwark/ratelimit.h"
#include "bulwark/hdrs.h"
#include "bulwark/csp.h"
#include "bulwark/sechdr.h"
#include "bulwark/cors.h"
#include "bulwark/http.h"
#include "bulwark/password.h"
#include "bulwark/email.h"
#include "bulwark/db.h"
#include "bulwark/cookie.h"
#include "bulwark/csrf.h"
#include "bulwark/token.h"
#include "bulwark/audit.h"
#include "bulwark/syslog.h"
#include "bulwark/jwt.h"

#endif
