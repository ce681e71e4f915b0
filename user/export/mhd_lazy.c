/*
 * libmicrohttpd, loaded when the Prometheus endpoint starts (--prometheus),
 * not linked (lazy_lib.h): it brings gnutls, p11-kit and their kin, ~1.5 ms
 * of every run's start-up before main() on this machine. These are the
 * functions the endpoint calls, each forwarding to the library's own;
 * without libmicrohttpd.so.12 the daemon does not start (NULL), as when
 * its port is taken, and prom_server says so.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include "export/lazy_lib.h"

static struct {
	struct MHD_Daemon *(*start_daemon_va)(unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
					      MHD_AccessHandlerCallback, void *, va_list);
	void (*stop_daemon)(struct MHD_Daemon *);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *, enum MHD_ResponseMemoryMode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *, const char *, const char *);
	enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned int, struct MHD_Response *);
	void (*destroy_response)(struct MHD_Response *);
} m;
static const char *const names[] = {
	"MHD_start_daemon_va", "MHD_stop_daemon", "MHD_create_response_from_buffer",
	"MHD_add_response_header", "MHD_queue_response", "MHD_destroy_response",
};
_Static_assert(sizeof(names) / sizeof(names[0]) == sizeof(m) / sizeof(void *), "one name a function");
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load_mhd(void)
{
	lazy_lib_load("libmicrohttpd.so.12", names, (void **)&m, sizeof(names) / sizeof(names[0]));
}

static bool have_mhd(void)
{
	pthread_once(&loaded, load_mhd);
	return m.stop_daemon != NULL;
}

/* The options after dh_cls go on as they are (MHD_start_daemon_va). */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
				    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	if (!have_mhd())
		return NULL;
	va_start(ap, dh_cls);
	d = m.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

void MHD_stop_daemon(struct MHD_Daemon *d)
{
	if (have_mhd())
		m.stop_daemon(d);
}

/* The rest run inside the daemon's callbacks: the library is there. */
struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
	return have_mhd() ? m.create_response_from_buffer(size, buffer, mode) : NULL;
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *r, const char *header, const char *content)
{
	return have_mhd() ? m.add_response_header(r, header, content) : MHD_NO;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c, unsigned int status_code, struct MHD_Response *r)
{
	return have_mhd() ? m.queue_response(c, status_code, r) : MHD_NO;
}

void MHD_destroy_response(struct MHD_Response *r)
{
	if (have_mhd())
		m.destroy_response(r);
}
