/* bw_test.h — what every cmocka unit test includes, in the order cmocka needs. */
#ifndef BW_TEST_H
#define BW_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bulwark/bulwark.h"

#endif
