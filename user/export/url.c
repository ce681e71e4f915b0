/* Exporter URLs: the start-up check and the redaction (url.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "url.h"

const char *url_redact(const char *url, char *out, size_t len)
{
	const char *sep, *auth, *at;

	if (!len)
		return out;
	if (!url) {
		out[0] = 0;
		return out;
	}
	sep = strstr(url, "://");
	auth = sep ? sep + 3 : url;
	/* The last '@' anywhere: a password with an unencoded '/' or '?'
	 * must not end the part that is hidden. A path with an '@' loses
	 * some of itself; that is the cheaper mistake. */
	at = strrchr(auth, '@');
	if (!at)
		snprintf(out, len, "%s", url);
	else
		snprintf(out, len, "%.*s***%s", (int)(auth - url), url, at);
	return out;
}

static bool host_char_ok(char c)
{
	return isalnum((unsigned char)c) || strchr("-._~%!$&'()*+,;=", c);
}

/* [s, e) is "[v6]" without the brackets, perhaps with a %zone. */
static bool ipv6_ok(const char *s, const char *e)
{
	char buf[64];
	struct in6_addr a;
	const char *pct = memchr(s, '%', (size_t)(e - s));
	size_t n = (size_t)((pct ? pct : e) - s);

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return inet_pton(AF_INET6, buf, &a) == 1;
}

static int bad(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return -1;
}

int url_check(const char *url, char *why, size_t len)
{
	const char *auth, *end, *host, *hend, *port = NULL, *at;

	if (!strncasecmp(url, "http://", 7))
		auth = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		auth = url + 8;
	else
		return bad(why, len, "not an http:// or https:// URL");
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return bad(why, len, "a URL has no spaces or control characters (percent-encode them)");
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	host = at ? at + 1 : auth;
	if (host == end)
		return bad(why, len, "no host");
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (!close)
			return bad(why, len, "the IPv6 address has no closing ']'");
		if (!ipv6_ok(host + 1, close))
			return bad(why, len, "what is in [brackets] is not an IPv6 address");
		hend = close + 1;
		if (hend < end && *hend != ':')
			return bad(why, len, "unexpected text after the IPv6 address's ']'");
		port = hend < end ? hend + 1 : NULL;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));

		hend = colon ? colon : end;
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return bad(why, len, "an IPv6 address goes in brackets (http://[::1]:4318)");
		if (hend == host)
			return bad(why, len, "no host");
		for (const char *p = host; p < hend; p++)
			if (!host_char_ok(*p)) {
				snprintf(why, len, "the host has a '%c', which no host name has", *p);
				return -1;
			}
		port = colon ? colon + 1 : NULL;
	}
	if (port) {
		size_t n = (size_t)(end - port);
		unsigned long v = 0;

		if (!n)
			return bad(why, len, "no port number after ':'");
		for (size_t i = 0; i < n; i++) {
			if (!isdigit((unsigned char)port[i]))
				return bad(why, len, "the port is not a number");
			if (v <= 65535)
				v = v * 10 + (unsigned long)(port[i] - '0');
		}
		if (v < 1 || v > 65535) {
			snprintf(why, len, "port %.*s is out of range (1-65535)", n > 10 ? 10 : (int)n, port);
			return -1;
		}
	}
	/* What libcurl will do with it: the last word. */
	CURLU *u = curl_url();
	CURLUcode rc;

	if (!u) /* libcurl is loaded on first use (curl_lazy.c): say why it is not */
		return bad(why, len, curl_url_strerror(CURLUE_OUT_OF_MEMORY));
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	curl_url_cleanup(u);
	if (rc != CURLUE_OK) {
		snprintf(why, len, "libcurl cannot use it: %s", curl_url_strerror(rc));
		return -1;
	}
	return 0;
}
