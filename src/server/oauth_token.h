/*
 * oauth_token.h — POST /oauth2/token (RFC 6749 §3.2, OAuth 2.1): the
 * authorization_code and refresh_token grants, and the dispatch of
 * client_credentials to the clients module (oauth_clients.h).
 *
 * Answers are JSON with Cache-Control: no-store; errors are RFC 6749 §5.2
 * {"error", "error_description"} (400, or 401 invalid_client), never problem
 * documents. The client is authenticated first (bw_oauth_client_authenticate).
 *
 * authorization_code: the code must be the client's, unexpired, unused, for
 * the same redirect_uri, and code_verifier must hash to its code_challenge
 * (S256). A code presented a second time revokes what the first exchange
 * issued (its refresh family and its access token) and answers
 * invalid_grant. The answer carries an access token (signing.h), an
 * id_token for the openid scope (RS256: iss, sub, aud, exp, iat, auth_time,
 * nonce, at_hash, and email / email_verified with the email scope), and a
 * refresh token when offline_access was granted and the client may use the
 * refresh_token grant.
 *
 * refresh_token: rotation with keyed successors and a grace window
 * (oauth_refresh.h); a narrower scope may be asked, a wider one is
 * invalid_scope; no id_token.
 */
#ifndef BULWARK_OAUTH_TOKEN_H
#define BULWARK_OAUTH_TOKEN_H

#include "app.h"

/** Seconds an id_token is valid. */
#define BW_OAUTH_ID_TOKEN_TTL 600

/** bw_oauth_route_token - the handler of POST /oauth2/token. */
enum bw_err bw_oauth_route_token(struct bw_req *req, struct bw_resp *resp);

/** A user as the tokens describe it; strings arena-owned. */
struct bw_oauth_user {
	int64_t id;
	const char *public_id; /**< "sub" */
	const char *email;
	bool email_verified;
	bool admin;
};

/**
 * bw_oauth_user_load - the user with row id (id != 0) or public id (pid,
 * when id is 0) into *out (arena a). BW_ERR_NOT_FOUND when there is none.
 */
BW_MUST_CHECK enum bw_err bw_oauth_user_load(struct bw_app *app, int64_t id, struct bw_str pid,
                                             struct bw_arena *a, struct bw_oauth_user *out);

#endif
