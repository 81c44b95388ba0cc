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
#include "bulwark/validate.h"
#include "bulwark/hdrs.h"

#endif
