/*
 * libcurl, loaded the first time the exporter calls it (--otlp URL), not
 * linked: linked, libcurl and the ~25 libraries it brings (gnutls, krb5,
 * ldap, ssh2, rtmp, ...) are mapped, relocated and initialised before
 * main() on every run, exporting over HTTP or not: ~5 ms of start-up here,
 * a fifth of the tracer's own (BENCHMARKS.md, "Start-up").
 *
 * These are the libcurl functions the tracer calls, each forwarding to the
 * library's own. Without libcurl.so.4 they fail as libcurl would when it
 * cannot initialise, and curl_easy_strerror() says why.
 */
#define CURL_DISABLE_TYPECHECK /* the setopt/getinfo macros: we define the functions */
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include "export/lazy_lib.h"

static struct {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
	const char *(*url_strerror)(CURLUcode);
} f;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char missing[] = "libcurl.so.4 could not be loaded (Debian package libcurl4)";

/* In the order of the struct's fields. */
static const char *const names[] = {
	"curl_global_init", "curl_global_cleanup", "curl_easy_init", "curl_easy_setopt",
	"curl_easy_perform", "curl_easy_cleanup", "curl_easy_getinfo", "curl_easy_strerror",
	"curl_slist_append", "curl_slist_free_all", "curl_url", "curl_url_cleanup",
	"curl_url_set", "curl_url_strerror",
};
_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(f) / sizeof(void *), "one name a function");

static void load(void)
{
	lazy_lib_load("libcurl.so.4", names, (void **)&f, sizeof(names) / sizeof(names[0]));
}

/* Whether libcurl is there (loaded on the first call). */
static int ready(void)
{
	pthread_once(&once, load);
	return f.global_init != NULL;
}

CURLcode curl_global_init(long flags)
{
	return ready() ? f.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
	if (ready())
		f.global_cleanup();
}

CURL *curl_easy_init(void)
{
	return ready() ? f.easy_init() : NULL;
}

/* One argument after the option, of the type its number range says
 * (curl.h: CURLOPTTYPE_*), passed on as that type. */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	if (!ready())
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = f.easy_setopt(curl, option, va_arg(ap, long));
	else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
		rc = f.easy_setopt(curl, option, va_arg(ap, curl_off_t));
	else /* object, function and blob pointers */
		rc = f.easy_setopt(curl, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode curl_easy_perform(CURL *curl)
{
	return ready() ? f.easy_perform(curl) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL *curl)
{
	if (ready())
		f.easy_cleanup(curl);
}

/* Every CURLINFO takes a pointer to where its value goes. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	va_list ap;
	void *out;

	va_start(ap, info);
	out = va_arg(ap, void *);
	va_end(ap);
	return ready() ? f.easy_getinfo(curl, info, out) : CURLE_FAILED_INIT;
}

const char *curl_easy_strerror(CURLcode code)
{
	return ready() ? f.easy_strerror(code) : missing;
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	return ready() ? f.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (ready())
		f.slist_free_all(list);
}

CURLU *curl_url(void)
{
	return ready() ? f.url() : NULL;
}

void curl_url_cleanup(CURLU *u)
{
	if (ready())
		f.url_cleanup(u);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return ready() ? f.url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

const char *curl_url_strerror(CURLUcode code)
{
	return ready() ? f.url_strerror(code) : missing;
}
