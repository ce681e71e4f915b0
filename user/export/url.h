/* Exporter URLs: checked once at start (a malformed URL is bad usage, not
 * something to retry for the whole run), and redacted wherever one is
 * printed or shown, because a URL may carry a password
 * (http://user:secret@host). */
#ifndef EXPORT_URL_H
#define EXPORT_URL_H

#include <stddef.h>

/* `url` with its userinfo (what comes between "://" and the last '@')
 * replaced by three stars: "user:pw@host:4318" becomes "***@host:4318".
 * Works on malformed URLs too. Returns out. */
const char *url_redact(const char *url, char *out, size_t len);

/* Whether `url` is an http:// or https:// URL libcurl can send to: a host
 * (a name, an IPv4 address or a bracketed IPv6 address), a port from 1 to
 * 65535 when one is given, no spaces. Returns 0, or -1 with `why` saying
 * what is wrong (never quoting the userinfo). */
int url_check(const char *url, char *why, size_t len);

#endif
