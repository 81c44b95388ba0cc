/*
 * qr.c — QR codes as SVG (qr.h): libqrencode makes the symbol, this file
 * only draws it, one path of horizontal runs of dark modules.
 */
#include "bulwark/qr.h"

#include <errno.h>

#include <qrencode.h>

#define SVG_MAX (256u * 1024u) /* a version-40 symbol with every run takes well under */

/* One row's dark runs as "M{x} {y}h{n}v1h-{n}z" (absolute start, relative box). */
static enum bw_err draw_row(struct bw_buf *t, const QRcode *q, int y)
{
	enum bw_err rc = BW_OK;
	int x = 0;

	while (rc == BW_OK && x < q->width) {
		int start;

		if ((q->data[y * q->width + x] & 1) == 0) {
			x++;
			continue;
		}
		start = x;
		while (x < q->width && (q->data[y * q->width + x] & 1) != 0)
			x++;
		rc = bw_buf_printf(t, "M%d %dh%dv1h-%dz", start + BW_QR_QUIET, y + BW_QR_QUIET,
		                   x - start, x - start);
	}
	return rc;
}

enum bw_err bw_qr_svg(struct bw_buf *b, struct bw_str text, unsigned *modules)
{
	QRcode *q;
	struct bw_buf t;
	enum bw_err rc;
	int side;

	if (text.p == NULL || text.len == 0 || text.len > BW_QR_INPUT_MAX)
		return BW_ERR_INVALID;
	errno = 0;
	q = QRcode_encodeData((int)text.len, (const unsigned char *)text.p, 0, QR_ECLEVEL_M);
	if (q == NULL)
		return errno == ENOMEM ? BW_ERR_NOMEM : BW_ERR_INTERNAL;
	if (q->width < 21 || q->width > 177) {
		QRcode_free(q);
		return BW_ERR_INTERNAL;
	}
	side = q->width + 2 * BW_QR_QUIET;
	bw_buf_init(&t, SVG_MAX);
	rc = bw_buf_printf(
	        &t,
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
	        "shape-rendering=\"crispEdges\">"
	        "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	        side, side, side, side);
	for (int y = 0; rc == BW_OK && y < q->width; y++)
		rc = draw_row(&t, q, y);
	if (rc == BW_OK)
		rc = bw_buf_append_c(&t, "\"/></svg>");
	if (rc == BW_OK)
		rc = bw_buf_append_str(b, bw_buf_str(&t));
	if (rc == BW_OK && modules != NULL)
		*modules = (unsigned)q->width;
	bw_buf_free(&t);
	QRcode_free(q);
	return rc;
}
