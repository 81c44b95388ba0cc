/*
 * err.h — the one error type of libbulwark.
 *
 * Every fallible function returns an enum bw_err and carries BW_MUST_CHECK, so
 * a caller cannot silently drop a failure. BW_OK is zero. The names returned by
 * bw_err_str() are short, stable and safe to log; they never carry input data.
 */
#ifndef BULWARK_ERR_H
#define BULWARK_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

/** Mark a function whose result must be looked at. */
#define BW_MUST_CHECK __attribute__((warn_unused_result))

enum bw_err {
	BW_OK = 0,
	BW_ERR_NOMEM,     /**< allocation failed */
	BW_ERR_LIMIT,     /**< a size, count or depth cap was reached */
	BW_ERR_INVALID,   /**< input is malformed or outside the allowed set */
	BW_ERR_ENCODING,  /**< invalid UTF-8 or a forbidden byte */
	BW_ERR_RANGE,     /**< a number outside its bounds */
	BW_ERR_NOT_FOUND, /**< the thing asked for does not exist */
	BW_ERR_EXISTS,    /**< the thing to create exists already */
	BW_ERR_DENIED,    /**< a security check refused */
	BW_ERR_VERIFY,    /**< a signature, MAC or hash did not verify */
	BW_ERR_IO,        /**< an operating-system call failed */
	BW_ERR_CRYPTO,    /**< a cryptographic library call failed */
	BW_ERR_CONFIG,    /**< configuration refused */
	BW_ERR_BUSY,      /**< a bounded queue is full; try again later */
	BW_ERR_STATE,     /**< the object is in the wrong state for this call */
	BW_ERR_INTERNAL,  /**< an invariant broke; never caused by input alone */
	BW_ERR__COUNT
};

/**
 * bw_err_str - stable short name of an error ("ok", "nomem", "limit", …).
 * Returns a static string; unknown values give "unknown".
 */
const char *bw_err_str(enum bw_err err);

/**
 * bw_panic - report a programming error (a broken precondition) and abort.
 * Never call it for hostile input: input errors are returned, not aborted on.
 */
__attribute__((noreturn, format(printf, 1, 2))) void bw_panic(const char *fmt, ...);

/** Abort with file and line when a precondition on the caller does not hold. */
#define BW_REQUIRE(cond)                                                                       \
	do {                                                                                   \
		if (!(cond))                                                                   \
			bw_panic("%s:%d: precondition failed: %s", __FILE__, __LINE__, #cond); \
	} while (0)

#ifdef __cplusplus
}
#endif
#endif
