/* Command-line options. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CLI_MAX_PIDS 64
#define CLI_MAX_OTLP_HEADERS 16
#define CLI_MAX_COMM_PATTERNS 16
#define CLI_MAX_HIST_BOUNDS 64 /* = EXPORT_MAX_BOUNDS (export/export_opts.h) */

enum top_mode { TOP_AUTO = 0, TOP_TUI, TOP_TEXT, TOP_OFF };

struct config {
	const char *probes;
	pid_t pids[CLI_MAX_PIDS];
	int npids;
	char **cmd; /* after "--" */
	const char *container;
	const char *cgroup;
	bool all; /* --all: every process of the host */
	const char *exclude_comm[CLI_MAX_COMM_PATTERNS]; /* --exclude-comm GLOB */
	int nexclude_comm;
	const char *include_comm[CLI_MAX_COMM_PATTERNS]; /* --include-comm GLOB */
	int ninclude_comm;
	const char *otlp_file;
	const char *otlp_endpoint;
	const char *otlp_compression;  /* --otlp-compression gzip|none */
	const char *otlp_headers[CLI_MAX_OTLP_HEADERS]; /* --otlp-header K=V */
	int notlp_headers;
	size_t otlp_queue;             /* --otlp-queue N spans (0: default) */
	size_t max_series;             /* --max-series N (0: no limit) */
	bool max_series_set;           /* else MS_DEFAULT_SERIES_LIMIT */
	bool no_uprobe_multi;          /* --no-uprobe-multi */
	bool no_follow;                /* --no-follow */
	double max_overhead;           /* --max-overhead PCT, 0: off (cost/cap.h) */
	const char *sources;           /* --sources LIST, NULL: all that apply */
	int mcp_capture;               /* --mcp-capture: 0 auto, 1 libc, 2 syscalls (enum mcp_capture) */
	const char *prices;            /* --prices FILE: the tls source's price table */
	double otlp_shutdown_s;        /* --otlp-shutdown-timeout S (0: default) */
	double prom_linger_s;          /* --prometheus-linger S after the targets exit */
	const char *prometheus;
	const char *service_name;
	const char *histogram; /* "exponential" | "explicit[:b1,b2,...]" */
	bool hist_explicit;    /* --histogram explicit...: its bounds */
	double hist_bounds[CLI_MAX_HIST_BOUNDS];
	size_t hist_nbounds;
	double interval_s;
	double duration_s;
	double refresh_s;
	size_t ringbuf_bytes;
	bool list;
	const char *list_object; /* --list --object NAME: that object in detail */
	bool list_ops;
	bool list_ops_markdown; /* --list-ops=markdown: docs/catalog.md */
	bool version;           /* --version: main prints it (kernel features) */
	bool capture_content;
	bool inject; /* --inject: python: bindings may run a script in the target */
	bool summary;
	bool verbose;
	enum top_mode top;
	bool linger; /* --linger: the live view stays open after tracing stops */
};

/* Parses argv. Returns 0 to run, 1 when it printed help/version (exit 0),
 * -1 on a usage error (message printed; exit 2). */
int cli_parse(int argc, char **argv, struct config *cfg);

/* --histogram SPEC: "exponential" (explicit false), "explicit" (the default
 * bounds) or "explicit:B1,B2,..." (finite, increasing, at most `max`).
 * Returns 0, or -1 with a sentence in err naming what is wrong. */
int cli_parse_histogram(const char *spec, bool *explicit_, double *bounds, size_t max, size_t *nbounds,
			char *err, size_t errlen);

#endif
