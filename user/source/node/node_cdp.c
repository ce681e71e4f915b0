/* cdp_evaluate: queue the request, pump wslay until the answer arrives. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <wslay/wslay.h>
#include "node_cdp.h"
#include "node_http.h"

char *cdp_request(int id, const char *expr)
{
	cJSON *req = cJSON_CreateObject(), *params = cJSON_CreateObject();

	cJSON_AddNumberToObject(req, "id", id);
	cJSON_AddStringToObject(req, "method", "Runtime.evaluate");
	cJSON_AddStringToObject(params, "expression", expr);
	cJSON_AddBoolToObject(params, "returnByValue", 1);
	cJSON_AddBoolToObject(params, "includeCommandLineAPI", 1);
	cJSON_AddBoolToObject(params, "silent", 1); /* no pause on exception, no console */
	cJSON_AddItemToObject(req, "params", params);
	char *s = cJSON_PrintUnformatted(req);

	cJSON_Delete(req);
	return s;
}

int cdp_reply_decode(const char *reply, int id, char **value, char *err, size_t errlen)
{
	cJSON *j = cJSON_Parse(reply), *jid = j ? cJSON_GetObjectItem(j, "id") : NULL;
	int rc = -1;

	*value = NULL;
	if (!cJSON_IsNumber(jid) || jid->valueint != id) {
		cJSON_Delete(j);
		return 0;
	}
	cJSON *res = cJSON_GetObjectItem(j, "result");
	cJSON *exc = res ? cJSON_GetObjectItem(res, "exceptionDetails") : NULL;
	cJSON *r = res ? cJSON_GetObjectItem(res, "result") : NULL;
	cJSON *v = r ? cJSON_GetObjectItem(r, "value") : NULL;

	if (exc) {
		cJSON *e = cJSON_GetObjectItem(exc, "exception");
		cJSON *d = e ? cJSON_GetObjectItem(e, "description") : NULL;
		cJSON *t = cJSON_GetObjectItem(exc, "text");

		snprintf(err, errlen, "the script threw: %s",
			 cJSON_IsString(d) ? d->valuestring
			 : cJSON_IsString(t) ? t->valuestring : "(no text)");
	} else if (!res) {
		cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "message");

		snprintf(err, errlen, "Runtime.evaluate failed: %s",
			 cJSON_IsString(m) ? m->valuestring : "no result");
	} else {
		*value = cJSON_IsString(v) ? strdup(v->valuestring)
			 : v ? cJSON_PrintUnformatted(v) : strdup("undefined");
		rc = *value ? 1 : -1;
	}
	cJSON_Delete(j);
	return rc;
}

struct pump {
	int fd, id;
	char *value;
	char *err;
	size_t errlen;
	int state; /* 0 waiting, 1 answered, -1 failed or closed */
};

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
		       void *user)
{
	struct pump *p = user;
	ssize_t n = recv(p->fd, buf, len, MSG_DONTWAIT);

	(void)flags;
	if (n > 0)
		return n;
	wslay_event_set_error(ctx, n < 0 && (errno == EAGAIN || errno == EINTR)
					   ? WSLAY_ERR_WOULDBLOCK
					   : WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
		       void *user)
{
	struct pump *p = user;
	ssize_t n = send(p->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	(void)flags;
	if (n >= 0)
		return n;
	wslay_event_set_error(ctx, errno == EAGAIN || errno == EINTR ? WSLAY_ERR_WOULDBLOCK
								     : WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static int on_mask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
	(void)ctx;
	(void)user;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
		   void *user)
{
	struct pump *p = user;

	(void)ctx;
	if (p->state || a->opcode != WSLAY_TEXT_FRAME) {
		if (a->opcode == WSLAY_CONNECTION_CLOSE && !p->state) {
			snprintf(p->err, p->errlen, "the inspector closed the websocket");
			p->state = -1;
		}
		return;
	}
	char *text = strndup((const char *)a->msg, a->msg_length);

	if (!text)
		return;
	int r = cdp_reply_decode(text, p->id, &p->value, p->err, p->errlen);

	free(text);
	if (r)
		p->state = r;
}

int cdp_evaluate(int fd, int id, const char *expr, int timeout_ms, char **value, char *err,
		 size_t errlen)
{
	struct wslay_event_callbacks cb = {.recv_callback = on_recv,
					   .send_callback = on_send,
					   .genmask_callback = on_mask,
					   .on_msg_recv_callback = on_msg};
	struct pump p = {.fd = fd, .id = id, .err = err, .errlen = errlen};
	wslay_event_context_ptr ctx;
	long long deadline = now_ms() + timeout_ms;
	char *req = cdp_request(id, expr);

	*value = NULL;
	if (!req || wslay_event_context_client_init(&ctx, &cb, &p)) {
		free(req);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)req, strlen(req)};

	wslay_event_queue_msg(ctx, &m);
	while (!p.state) {
		struct pollfd pfd = {.fd = fd,
				     .events = (short)((wslay_event_want_read(ctx) ? POLLIN : 0) |
						       (wslay_event_want_write(ctx) ? POLLOUT : 0))};
		int pr = poll(&pfd, 1, ms_left(deadline));

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			snprintf(err, errlen, "the inspector did not answer in %d ms", timeout_ms);
			break;
		}
		if (((pfd.revents & (POLLIN | POLLHUP | POLLERR)) && wslay_event_recv(ctx)) ||
		    ((pfd.revents & POLLOUT) && wslay_event_send(ctx))) {
			if (!p.state)
				snprintf(err, errlen, "the inspector's websocket failed");
			break;
		}
	}
	wslay_event_context_free(ctx);
	free(req);
	if (p.state == 1) {
		*value = p.value;
		return 0;
	}
	free(p.value);
	return -1;
}
