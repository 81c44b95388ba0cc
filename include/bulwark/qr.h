/*
 * qr.h — a QR code (ISO/IEC 18004, made by libqrencode) as a small SVG image,
 * for showing an otpauth:// URI to an authenticator app.
 *
 * The SVG is one element with a viewBox, a white background and a single
 * path holding every dark module as horizontal runs; four modules of quiet
 * zone surround the symbol. It has no script, no style sheet, no external
 * reference and no text taken from the input, so it is safe to inline in a
 * page or to return as a JSON string. Error correction is level M.
 */
#ifndef BULWARK_QR_H
#define BULWARK_QR_H

#include <stddef.h>

#include "bulwark/buf.h"
#include "bulwark/err.h"
#include "bulwark/str.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Modules of quiet zone on each side (the minimum ISO/IEC 18004 asks). */
#define BW_QR_QUIET 4
/** Most input bytes encoded (version 40-M holds 2331 bytes; URIs are far shorter). */
#define BW_QR_INPUT_MAX 2048

/**
 * bw_qr_svg - append the QR code of text (1..BW_QR_INPUT_MAX bytes,
 * borrowed; encoded as 8-bit data) as an SVG document to b. *modules (may
 * be NULL) gets the symbol's width in modules, without the quiet zone
 * (21 for version 1, +4 per version); the viewBox is that plus twice
 * BW_QR_QUIET. BW_ERR_INVALID for an empty or too long text, BW_ERR_NOMEM
 * when libqrencode fails to allocate, BW_ERR_INTERNAL for any other
 * libqrencode failure, BW_ERR_LIMIT or BW_ERR_NOMEM from b. b is left as
 * it was on error.
 */
BW_MUST_CHECK enum bw_err bw_qr_svg(struct bw_buf *b, struct bw_str text, unsigned *modules);

#ifdef __cplusplus
}
#endif
#endif
