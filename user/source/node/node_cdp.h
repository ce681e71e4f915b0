/* One Chrome DevTools Protocol call over a websocket the handshake opened
 * (node_http.h): Runtime.evaluate of a script in the target's main
 * context, framed by wslay (masking, fragmentation, control frames). */
#ifndef NODE_CDP_H
#define NODE_CDP_H

#include <stddef.h>

/* Evaluates expr (returnByValue, awaitPromise off, with the console's
 * command-line API so that `require` exists in an ES module program too)
 * and waits for the answer to request id. On success 0 and the result's
 * value as a string in *value (malloc'd; a non-string result is its JSON).
 * -1 with err set when the script threw (err holds its exception text),
 * the connection failed or timeout_ms passed. */
int cdp_evaluate(int fd, int id, const char *expr, int timeout_ms, char **value, char *err,
		 size_t errlen);

/* The JSON text of a Runtime.evaluate request (malloc'd), and the decoding
 * of its answer, apart for the unit tests. reply_decode: 1 and *value when
 * reply answers id, 0 when it is another message (an event), -1 with err
 * when it answers id with an error or an exception. */
char *cdp_request(int id, const char *expr);
int cdp_reply_decode(const char *reply, int id, char **value, char *err, size_t errlen);

#endif
