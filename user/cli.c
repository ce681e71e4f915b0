/* Command-line parsing: every error says what was wrong and what was expected. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "term_quote.h"

static const char usage[] =
"Usage: mcp-bpftrace [--probes FILE] [OPTIONS] (--pid PID ... | --container ID | -- COMMAND [ARGS...])\n"
"       mcp-bpftrace --all [--exclude-comm PATTERN] [--include-comm PATTERN] [OPTIONS]\n"
"       mcp-bpftrace --list [--object NAME] (--pid PID | --container ID | -- COMMAND [ARGS...])\n"
"\n"
"Traces an MCP system's operations from outside with eBPF (uprobes, USDT,\n"
"scheduler tracepoints) and turns them into the OpenTelemetry spans and\n"
"metrics of the MCP catalog. Without a probe map, the built-in sources trace\n"
"what crosses the process boundary: child processes and their execs (git\n"
"worktree commands among them), LLM API calls over HTTPS (the plaintext of\n"
"OpenSSL's SSL_read/SSL_write) and MCP JSON-RPC on pipes and sockets.\n"
"\n"
"Targets:\n"
"  -p, --pid PID            trace a running process (repeatable)\n"
"  -- COMMAND [ARGS...]     launch COMMAND; its main() runs only after every\n"
"                           probe is attached. The tracer stops when it exits.\n"
"  -c, --container ID|NAME  every process of a container, now and later\n"
"      --cgroup PATH        every process of a cgroup (v2 path)\n"
"      --all                every process of the host and its containers, now\n"
"                           and later (built-in sources: tls, mcp, exec); each\n"
"                           process its own resource; stop with Ctrl-C or -d\n"
"      --exclude-comm PATTERN\n"
"                           with --all: not the processes whose name\n"
"                           (/proc/PID/comm) matches the glob (repeatable)\n"
"      --include-comm PATTERN\n"
"                           with --all: only processes whose name matches\n"
"                           one such glob (repeatable)\n"
"\n"
"Bindings:\n"
"  -P, --probes FILE        probe map: which functions are which operations\n"
"                           (format: README.md, \"Probe maps\")\n"
"      --list-ops[=FORMAT]  list the catalog's operations and their metrics;\n"
"                           =markdown: the catalog document (docs/catalog.md)\n"
"  -l, --list               list the target's functions and USDT probes, the\n"
"                           objects it maps (libraries) and propose a probe\n"
"                           map across them; attaches nothing\n"
"      --object NAME        with --list: that object (libssl.so.3) in detail\n"
"      --capture-content    also capture attributes marked `content` (prompts,\n"
"                           task text): off by default\n"
"      --inject             let python: and node: bindings run a wrapper script\n"
"                           in the target (python: ptrace; node: its inspector,\n"
"                           opened by SIGUSR1 for ~0.1 s; undone at detach;\n"
"                           README \"Python functions (--inject)\")\n"
"\n"
"Output:\n"
"  -o, --otlp-file PATH     write OTLP/JSON lines (traces and metrics)\n"
"      --otlp URL           export OTLP/HTTP protobuf to a collector: POST\n"
"                           URL/v1/traces and URL/v1/metrics (default: the\n"
"                           OTEL_EXPORTER_OTLP_*ENDPOINT variables)\n"
"      --otlp-compression gzip|none\n"
"                           (default: OTEL_EXPORTER_OTLP_COMPRESSION, or none)\n"
"      --otlp-header K=V    add an HTTP header to every export (repeatable;\n"
"                           adds to OTEL_EXPORTER_OTLP_HEADERS)\n"
"      --otlp-queue N       spans waiting for export, at most (default 8192);\n"
"                           when full the oldest are dropped and counted\n"
"      --otlp-shutdown-timeout S\n"
"                           at exit, time left to send what is queued\n"
"                           (default 5); the rest is counted as dropped\n"
"      --prometheus ADDR    serve /metrics for Prometheus (e.g. 127.0.0.1:9464;\n"
"                           a bare PORT binds 127.0.0.1; PORT 0: any free\n"
"                           port, printed at start)\n"
"      --prometheus-linger S\n"
"                           after the targets exit, keep serving /metrics for\n"
"                           S seconds (Ctrl-C ends it early)\n"
"      --top[=text]         live view (default on a terminal); =text prints the\n"
"                           table every --refresh seconds\n"
"      --no-top             no live view\n"
"      --refresh S          live view refresh interval (default 1; 0.05-3600)\n"
"      --linger             when tracing stops (targets exited, --duration),\n"
"                           keep the live view open on the final figures,\n"
"                           probes detached, until q is pressed\n"
"      --histogram KIND     exponential (default) or explicit[:b1,b2,...]\n"
"      --max-series N       attribute sets per metric, at most (default 2000;\n"
"                           0: no limit); the rest are counted in one series\n"
"                           {otel.metric.overflow=true}\n"
"  -i, --interval S         export metrics every S seconds (default 10;\n"
"                           0.1-86400)\n"
"  -d, --duration S         stop after S seconds (0.001-31536000)\n"
"      --service-name NAME  service.name (default: the target's command name)\n"
"      --no-summary         no summary table at exit\n"
"\n"
"Tuning:\n"
"      --ringbuf-size SIZE  ring buffer bytes, power of two (K/M suffix;\n"
"                           default 8M). Records that do not fit are counted\n"
"                           and reported as dropped.\n"
"      --sources LIST       which sources to run, comma-separated: uprobe (the\n"
"                           probe map's bindings), exec (processes, execs, git\n"
"                           worktree commands), tls (LLM API calls in HTTPS\n"
"                           plaintext), mcp (MCP JSON-RPC on pipes and\n"
"                           sockets). Default: every one that applies\n"
"                           (--list says which)\n"
"      --mcp-capture MODE   how the mcp source reads what processes read and\n"
"                           write: libc (uprobes on glibc's read/write family,\n"
"                           per traced process: no other process pays), syscalls\n"
"                           (the syscall tracepoints: any binary, every process\n"
"                           on the host pays ~+50-100 ns a read/write) or auto\n"
"                           (default: libc, and syscalls while a traced process\n"
"                           that libc cannot cover runs: static, musl)\n"
"      --prices FILE        the LLM price table for the tls source's cost:\n"
"                           provider, model, USD per million input and output\n"
"                           tokens, tab-separated (README \"Prices\"); replaces\n"
"                           the shipped data/prices.tsv\n"
"      --no-follow          trace only the processes named, not the children\n"
"                           they start (default: children, forked or exec'd\n"
"                           after attach, are traced from their first\n"
"                           instruction; README \"Following children\")\n"
"      --max-overhead PCT   when the probes cost a process more than PCT % of\n"
"                           its CPU time for 3 s, detach the bindings that\n"
"                           cost most and bring least (points, then the\n"
"                           innermost spans); default: off (README \"Cost to\n"
"                           the target\")\n"
"      --no-uprobe-multi    one perf-event uprobe per probe, as on kernels\n"
"                           before 6.6 (default: uprobe_multi links when the\n"
"                           kernel has them: detaching takes ~0.1 s, not\n"
"                           ~0.1 s a probe)\n"
"  -v, --verbose            libbpf and attach details\n"
"  -h, --help               this text\n"
"  -V, --version            version, libbpf version, kernel features found\n"
"\n"
"Examples:\n"
"  sudo mcp-bpftrace -P tools/mcp-demo/mcp-demo.probes -- build/mcp-demo --ops 20000\n"
"  sudo mcp-bpftrace -P app.probes --pid 4242 --otlp-file /tmp/otlp.jsonl\n"
"  sudo mcp-bpftrace --list --pid 4242 > app.probes\n"
"  sudo mcp-bpftrace -- python3 agent.py   (no probe map: its LLM calls, MCP\n"
"                           messages and child processes)\n"
"\n"
"Exit status: 0 done, 1 runtime failure, 2 bad usage or probe map.\n";

static int __attribute__((format(printf, 1, 2))) bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mcp-bpftrace: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'mcp-bpftrace --help'.\n");
	return -1;
}

/* Ranges of the options in seconds. strtod also reads "inf", "nan" and
 * 1e300, which turned into nanosecond deadlines overflow (--duration 1e12
 * stopped at once, --interval nan never exported): every value is checked
 * finite and inside its range. */
struct seconds_range { const char *opt; double min, max; };
static const struct seconds_range interval_range = {"--interval", 0.1, 86400};    /* polls every 0.1 s */
static const struct seconds_range duration_range = {"--duration", 0.001, 31536000}; /* a year */
static const struct seconds_range refresh_range = {"--refresh", 0.05, 3600};
static const struct seconds_range shutdown_range = {"--otlp-shutdown-timeout", 0.001, 3600};
static const struct seconds_range linger_range = {"--prometheus-linger", 0.001, 86400};

static int parse_seconds(const struct seconds_range *r, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < r->min || v > r->max)
		return bad("%s: expected a number of seconds from %g to %g, got %s", r->opt, r->min, r->max,
			   QUOTE_STR(s));
	*out = v;
	return 0;
}

/* Decimal digits only (strtoull alone takes "-1" as 2^64-1, and blanks and
 * a '+'); false when not that or above max. */
static bool parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end && *out <= max;
}

static int parse_size(const char *s, size_t *out)
{
	static const struct { char c; int shift; } units[] = {{'K', 10}, {'k', 10}, {'M', 20}, {'m', 20}, {'G', 30}, {'g', 30}};
	size_t digits = strspn(s, "0123456789");
	unsigned long long v = 0;
	int shift = 0;
	char num[24];

	for (size_t i = 0; digits && i < sizeof(units) / sizeof(units[0]); i++)
		if (s[digits] == units[i].c && !s[digits + 1])
			shift = units[i].shift;
	snprintf(num, sizeof(num), "%.*s", (int)(digits < sizeof(num) ? digits : 0), s);
	/* The shift is checked before it is made: 18014398509481988K wrapped to 4K. */
	if (!digits || digits >= sizeof(num) || (s[digits] && !shift) || !parse_count(num, (1ULL << 30) >> shift, &v))
		return bad("--ringbuf-size: expected a power of two from 4K to 1G (K/M/G suffix), got %s", QUOTE_STR(s));
	v <<= shift;
	if (v < 4096 || (v & (v - 1)))
		return bad("--ringbuf-size: %s must be a power of two from 4K to 1G", QUOTE_STR(s));
	*out = v;
	return 0;
}

/* --prometheus [HOST:]PORT or [IPV6]:PORT. PORT 0..65535 (0: the kernel
 * picks a free one, which the exporter reports); HOST a name or an address,
 * resolved when the server starts. Checked here so that bad usage stops
 * before anything loads. */
static int check_listen_addr(const char *addr)
{
	const char *port = addr, *host = NULL;
	size_t hlen = 0;
	unsigned long long p;
	char v6[64];
	struct in6_addr a6;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		hlen = close ? (size_t)(close - addr - 1) : 0;
		if (!close || close[1] != ':' || !hlen || hlen >= sizeof(v6))
			return bad("--prometheus: expected [IPV6]:PORT, got %s", QUOTE_STR(addr));
		snprintf(v6, sizeof(v6), "%.*s", (int)hlen, addr + 1);
		if (inet_pton(AF_INET6, v6, &a6) != 1)
			return bad("--prometheus: %s is not an IPv6 address", QUOTE_STR(v6));
		port = close + 2;
	} else if (strchr(addr, ':')) {
		host = addr;
		port = strrchr(addr, ':') + 1;
		hlen = (size_t)(port - 1 - addr);
		if (memchr(host, ':', hlen))
			return bad("--prometheus: an IPv6 address goes in brackets ([::1]:9464), got %s",
				   QUOTE_STR(addr));
		if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != hlen)
			return bad("--prometheus: bad host %s (a name or an address)", QUOTE(host, hlen));
	}
	if (!parse_count(port, 65535, &p))
		return bad("--prometheus: expected [ADDR:]PORT with PORT from 0 to 65535 (0: any free port), "
			   "got %s", QUOTE_STR(addr));
	return 0;
}

int cli_parse_histogram(const char *spec, bool *explicit_, double *bounds, size_t max, size_t *nbounds,
			char *err, size_t errlen)
{
	static const double defaults[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					  0.1, 0.25, 0.5, 1, 2.5, 5, 10};
	const size_t ndef = sizeof(defaults) / sizeof(defaults[0]);

	*explicit_ = false;
	*nbounds = 0;
	if (!spec || !strcmp(spec, "exponential"))
		return 0;
	if (!strcmp(spec, "explicit") && max >= ndef) {
		*explicit_ = true;
		*nbounds = ndef;
		memcpy(bounds, defaults, sizeof(defaults));
		return 0;
	}
	if (strncmp(spec, "explicit:", 9)) {
		snprintf(err, errlen, "--histogram: expected exponential or explicit[:B1,B2,...], got %s",
			 QUOTE_STR(spec));
		return -1;
	}
	/* Every item a finite number, each above the one before: a bucket
	 * boundary list with a gap, an inf or a step back is no histogram. */
	for (const char *s = spec + 9;; s++) {
		size_t len = strcspn(s, ",");
		char *end;
		double v;

		errno = 0;
		v = strtod(s, &end);
		if (!len || end != s + len || errno || !isfinite(v)) {
			snprintf(err, errlen, "--histogram: bound %s is not a finite number (explicit:B1,B2,... "
				 "with increasing numbers)", QUOTE(s, len));
			return -1;
		}
		if (*nbounds && v <= bounds[*nbounds - 1]) {
			snprintf(err, errlen, "--histogram: bound %s is not above the one before it (%g): "
				 "bounds increase", QUOTE(s, len), bounds[*nbounds - 1]);
			return -1;
		}
		if (*nbounds == max) {
			snprintf(err, errlen, "--histogram: more than %zu bounds", max);
			return -1;
		}
		bounds[(*nbounds)++] = v;
		s += len;
		if (!*s)
			break;
	}
	*explicit_ = true;
	return 0;
}

int cli_parse(int argc, char **argv, struct config *cfg)
{
	enum { O_OTLP = 256, O_OTLP_COMP, O_OTLP_HDR, O_OTLP_QUEUE, O_MAX_SERIES, O_NO_UMULTI, O_OTLP_SHUT, O_PROM_LINGER, O_PROM, O_TOP, O_NOTOP, O_REFRESH, O_HIST, O_SERVICE, O_NOSUM,
	       O_RING, O_CONTENT, O_CGROUP, O_LISTOPS, O_LINGER, O_OBJECT, O_NO_FOLLOW, O_SOURCES, O_MAX_OVERHEAD, O_PRICES,
	       O_ALL, O_EXCL_COMM, O_INCL_COMM, O_MCP_CAPTURE };
	enum { O_INJECT = 400 }; /* numbered apart from the list above */
	static const struct option opts[] = {
		{"pid", required_argument, 0, 'p'},
		{"container", required_argument, 0, 'c'},
		{"cgroup", required_argument, 0, O_CGROUP},
		{"all", no_argument, 0, O_ALL},
		{"exclude-comm", required_argument, 0, O_EXCL_COMM},
		{"include-comm", required_argument, 0, O_INCL_COMM},
		{"probes", required_argument, 0, 'P'},
		{"list", no_argument, 0, 'l'},
		{"list-ops", optional_argument, 0, O_LISTOPS},
		{"object", required_argument, 0, O_OBJECT},
		{"capture-content", no_argument, 0, O_CONTENT},
		{"inject", no_argument, 0, O_INJECT},
		{"otlp-file", required_argument, 0, 'o'},
		{"otlp", required_argument, 0, O_OTLP},
		{"otlp-compression", required_argument, 0, O_OTLP_COMP},
		{"otlp-header", required_argument, 0, O_OTLP_HDR},
		{"otlp-queue", required_argument, 0, O_OTLP_QUEUE},
		{"max-series", required_argument, 0, O_MAX_SERIES},
		{"no-uprobe-multi", no_argument, 0, O_NO_UMULTI},
		{"no-follow", no_argument, 0, O_NO_FOLLOW},
		{"max-overhead", required_argument, 0, O_MAX_OVERHEAD},
		{"sources", required_argument, 0, O_SOURCES},
		{"prices", required_argument, 0, O_PRICES},
		{"mcp-capture", required_argument, 0, O_MCP_CAPTURE},
		{"otlp-shutdown-timeout", required_argument, 0, O_OTLP_SHUT},
		{"prometheus-linger", required_argument, 0, O_PROM_LINGER},
		{"prometheus", required_argument, 0, O_PROM},
		{"top", optional_argument, 0, O_TOP},
		{"no-top", no_argument, 0, O_NOTOP},
		{"refresh", required_argument, 0, O_REFRESH},
		{"linger", no_argument, 0, O_LINGER},
		{"histogram", required_argument, 0, O_HIST},
		{"interval", required_argument, 0, 'i'},
		{"duration", required_argument, 0, 'd'},
		{"service-name", required_argument, 0, O_SERVICE},
		{"no-summary", no_argument, 0, O_NOSUM},
		{"ringbuf-size", required_argument, 0, O_RING},
		{"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, 'V'},
		{0, 0, 0, 0},
	};
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_s = 10;
	cfg->refresh_s = 1;
	cfg->ringbuf_bytes = 8 << 20; /* user space maps it twice: 16 MiB of RSS */
	cfg->summary = true;
	opterr = 0;
	optind = 0; /* a fresh scan (glibc): cli_parse may run more than once, as in tests */
	/* "+": stop at the first non-option, so "-- cmd -x" keeps its flags. */
	while ((c = getopt_long(argc, argv, "+p:c:P:lo:i:d:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			unsigned long long v;

			/* 4194304: the kernel's PID_MAX_LIMIT */
			if (!parse_count(optarg, 4194304, &v) || !v)
				return bad("--pid: expected a process id (1 to 4194304), got %s", QUOTE_STR(optarg));
			if (cfg->npids == CLI_MAX_PIDS)
				return bad("--pid: at most %d pids", CLI_MAX_PIDS);
			cfg->pids[cfg->npids++] = (pid_t)v;
			break;
		}
		case 'c': cfg->container = optarg; break;
		case O_CGROUP: cfg->cgroup = optarg; break;
		case O_ALL: cfg->all = true; break;
		case O_EXCL_COMM:
		case O_INCL_COMM: {
			bool ex = c == O_EXCL_COMM;
			const char **v = ex ? cfg->exclude_comm : cfg->include_comm;
			int *n = ex ? &cfg->nexclude_comm : &cfg->ninclude_comm;

			if (!optarg[0])
				return bad("--%s: expected a pattern of process names (python3*), got ''", ex ? "exclude-comm" : "include-comm");
			if (*n == CLI_MAX_COMM_PATTERNS)
				return bad("--%s: at most %d patterns", ex ? "exclude-comm" : "include-comm", CLI_MAX_COMM_PATTERNS);
			v[(*n)++] = optarg;
			break;
		}
		case 'P': cfg->probes = optarg; break;
		case 'l': cfg->list = true; break;
		case O_LISTOPS:
			if (optarg && strcmp(optarg, "text") && strcmp(optarg, "markdown"))
				return bad("--list-ops: expected nothing, =text or =markdown, got %s", QUOTE_STR(optarg));
			cfg->list_ops = true;
			cfg->list_ops_markdown = optarg && !strcmp(optarg, "markdown");
			break;
		case O_OBJECT: cfg->list_object = optarg; break;
		case O_CONTENT: cfg->capture_content = true; break;
		case O_INJECT: cfg->inject = true; break;
		case 'o': cfg->otlp_file = optarg; break;
		case O_OTLP: cfg->otlp_endpoint = optarg; break;
		case O_OTLP_COMP:
			if (strcmp(optarg, "gzip") && strcmp(optarg, "none"))
				return bad("--otlp-compression: expected gzip or none, got %s", QUOTE_STR(optarg));
			cfg->otlp_compression = optarg;
			break;
		case O_OTLP_HDR:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return bad("--otlp-header: expected KEY=VALUE, got %s", QUOTE_STR(optarg));
			if (cfg->notlp_headers == CLI_MAX_OTLP_HEADERS)
				return bad("--otlp-header: at most %d headers", CLI_MAX_OTLP_HEADERS);
			cfg->otlp_headers[cfg->notlp_headers++] = optarg;
			break;
		case O_OTLP_QUEUE: {
			unsigned long long v;

			if (!parse_count(optarg, 1UL << 24, &v) || !v)
				return bad("--otlp-queue: expected a number of spans from 1 to 16777216, got %s", QUOTE_STR(optarg));
			cfg->otlp_queue = v;
			break;
		}
		case O_NO_UMULTI:
			cfg->no_uprobe_multi = true;
			break;
		case O_NO_FOLLOW:
			cfg->no_follow = true;
			break;
		case O_MAX_OVERHEAD: { /* a percentage of the target's CPU time; "5" or "5%" */
			char *end;

			errno = 0;
			cfg->max_overhead = strtod(optarg, &end);
			if (*end == '%')
				end++;
			if (errno || end == optarg || *end || !isfinite(cfg->max_overhead) || cfg->max_overhead < 0.1 ||
			    cfg->max_overhead > 100)
				return bad("--max-overhead: expected a percentage of the target's CPU time from 0.1 to 100, got %s",
					   QUOTE_STR(optarg));
			break;
		}
		case O_SOURCES: /* names are checked against the sources (sources_open) */
			cfg->sources = optarg;
			break;
		case O_PRICES: /* the file is read and checked by main, before anything loads */
			cfg->prices = optarg;
			break;
		case O_MCP_CAPTURE: { /* numbered as enum mcp_capture */
			static const char *const modes[] = {"auto", "libc", "syscalls"};
			int m = -1;

			for (int i = 0; i < 3; i++)
				if (!strcmp(optarg, modes[i]))
					m = i;
			if (m < 0)
				return bad("--mcp-capture: expected auto, libc or syscalls, got %s", QUOTE_STR(optarg));
			cfg->mcp_capture = m;
			break;
		}
		case O_MAX_SERIES: {
			unsigned long long v;

			if (!parse_count(optarg, 1UL << 24, &v) || v == 1)
				return bad("--max-series: expected 0 (no limit) or a number from 2 to 16777216, got %s", QUOTE_STR(optarg));
			cfg->max_series = v;
			cfg->max_series_set = true;
			break;
		}
		case O_OTLP_SHUT:
			if (parse_seconds(&shutdown_range, optarg, &cfg->otlp_shutdown_s))
				return -1;
			break;
		case O_PROM_LINGER:
			if (parse_seconds(&linger_range, optarg, &cfg->prom_linger_s))
				return -1;
			break;
		case O_PROM:
			if (check_listen_addr(optarg))
				return -1;
			cfg->prometheus = optarg;
			break;
		case O_TOP:
			if (!optarg || !strcmp(optarg, "tui"))
				cfg->top = TOP_TUI;
			else if (!strcmp(optarg, "text"))
				cfg->top = TOP_TEXT;
			else
				return bad("--top: expected nothing or 'text', got %s", QUOTE_STR(optarg));
			break;
		case O_NOTOP: cfg->top = TOP_OFF; break;
		case O_LINGER: cfg->linger = true; break;
		case O_REFRESH:
			if (parse_seconds(&refresh_range, optarg, &cfg->refresh_s))
				return -1;
			break;
		case O_HIST: {
			char err[QUOTE_BUF + 128];

			if (cli_parse_histogram(optarg, &cfg->hist_explicit, cfg->hist_bounds, CLI_MAX_HIST_BOUNDS,
						&cfg->hist_nbounds, err, sizeof(err)))
				return bad("%s", err);
			cfg->histogram = optarg;
			break;
		}
		case 'i':
			if (parse_seconds(&interval_range, optarg, &cfg->interval_s))
				return -1;
			break;
		case 'd':
			if (parse_seconds(&duration_range, optarg, &cfg->duration_s))
				return -1;
			break;
		case O_SERVICE: cfg->service_name = optarg; break;
		case O_NOSUM: cfg->summary = false; break;
		case O_RING:
			if (parse_size(optarg, &cfg->ringbuf_bytes))
				return -1;
			break;
		case 'v': cfg->verbose = true; break;
		case 'h': fputs(usage, stdout); return 1;
		case 'V': cfg->version = true; return 0; /* main: version_print() */
		case ':':
			return bad("%s: missing its argument", QUOTE_STR(argv[optind - 1]));
		default:
			return bad("unknown option %s", QUOTE_STR(argv[optind - 1]));
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") && optind > 0 && argv[optind][0] != '-') {
			/* getopt stopped at a non-option that did not follow "--" */
			return bad("unexpected argument %s (a command to launch goes after --)",
				   QUOTE_STR(argv[optind]));
		}
		cfg->cmd = &argv[optind];
	}
	if (cfg->list_ops)
		return 0;
	int ntargets = (cfg->npids > 0) + (cfg->cmd != NULL) + (cfg->container != NULL) + (cfg->cgroup != NULL);

	if ((cfg->nexclude_comm || cfg->ninclude_comm) && !cfg->all)
		return bad("--exclude-comm and --include-comm go with --all");
	if (cfg->all && (ntargets || cfg->list))
		return bad("--all traces every process of the host: no --pid, --container, --cgroup, "
			   "command or --list with it");
	if (cfg->all && cfg->probes)
		return bad("--all runs the built-in sources (tls, mcp, exec); a probe map needs a target "
			   "(--pid, --container, --cgroup or -- COMMAND)");
	if (cfg->mcp_capture == 1 && (cfg->all || cfg->container || cfg->cgroup))
		return bad("--mcp-capture=libc probes each process by its pid: it needs --pid or -- COMMAND "
			   "(--all, --container and --cgroup capture with the syscall tracepoints)");
	if (cfg->all)
		return 0;
	if (ntargets == 0)
		return bad("no target: give --pid PID, --container ID, --cgroup PATH, -- COMMAND or --all");
	if (ntargets > 1)
		return bad("give one kind of target: --pid, --container, --cgroup or -- COMMAND");
	if (cfg->list_object && !cfg->list)
		return bad("--object NAME goes with --list (a probe map names objects itself)");
	return 0;
}
