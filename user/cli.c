/* Command-line parsing: every error says what was wrong and what was expected. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "version.h"

static const char usage[] =
"Usage: mcp-bpftrace --probes FILE [OPTIONS] (--pid PID ... | --container ID | -- COMMAND [ARGS...])\n"
"       mcp-bpftrace --list [--object NAME] (--pid PID | --container ID | -- COMMAND [ARGS...])\n"
"\n"
"Traces an MCP system's operations from outside with eBPF (uprobes, USDT) and\n"
"turns them into the OpenTelemetry spans and metrics of the MCP catalog.\n"
"\n"
"Targets:\n"
"  -p, --pid PID            trace a running process (repeatable)\n"
"  -- COMMAND [ARGS...]     launch COMMAND; its main() runs only after every\n"
"                           probe is attached. The tracer stops when it exits.\n"
"  -c, --container ID|NAME  every process of a container, now and later\n"
"      --cgroup PATH        every process of a cgroup (v2 path)\n"
"\n"
"Bindings:\n"
"  -P, --probes FILE        probe map: which functions are which operations\n"
"                           (format: README.md, \"Probe maps\")\n"
"      --list-ops           list the catalog's operations and their metrics\n"
"  -l, --list               list the target's functions and USDT probes, the\n"
"                           objects it maps (libraries) and propose a probe\n"
"                           map across them; attaches nothing\n"
"      --object NAME        with --list: that object (libssl.so.3) in detail\n"
"      --capture-content    also capture attributes marked `content` (prompts,\n"
"                           task text): off by default\n"
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
"                           a bare PORT binds 127.0.0.1)\n"
"      --prometheus-linger S\n"
"                           after the targets exit, keep serving /metrics for\n"
"                           S seconds (Ctrl-C ends it early)\n"
"      --top[=text]         live view (default on a terminal); =text prints the\n"
"                           table every --refresh seconds\n"
"      --no-top             no live view\n"
"      --refresh S          live view refresh interval (default 1)\n"
"      --linger             when tracing stops (targets exited, --duration),\n"
"                           keep the live view open on the final figures,\n"
"                           probes detached, until q is pressed\n"
"      --histogram KIND     exponential (default) or explicit[:b1,b2,...]\n"
"      --max-series N       attribute sets per metric, at most (default 2000;\n"
"                           0: no limit); the rest are counted in one series\n"
"                           {otel.metric.overflow=true}\n"
"  -i, --interval S         export metrics every S seconds (default 10)\n"
"  -d, --duration S         stop after S seconds\n"
"      --service-name NAME  service.name (default: the target's command name)\n"
"      --no-summary         no summary table at exit\n"
"\n"
"Tuning:\n"
"      --ringbuf-size SIZE  ring buffer bytes, power of two (K/M suffix;\n"
"                           default 8M). Records that do not fit are counted\n"
"                           and reported as dropped.\n"
"      --no-uprobe-multi    one perf-event uprobe per probe, as on kernels\n"
"                           before 6.6 (default: uprobe_multi links when the\n"
"                           kernel has them: detaching takes ~0.1 s, not\n"
"                           ~0.1 s a probe)\n"
"  -v, --verbose            libbpf and attach details\n"
"  -h, --help               this text\n"
"  -V, --version\n"
"\n"
"Examples:\n"
"  sudo mcp-bpftrace -P tools/mcp-demo/mcp-demo.probes -- build/mcp-demo --ops 20000\n"
"  sudo mcp-bpftrace -P app.probes --pid 4242 --otlp-file /tmp/otlp.jsonl\n"
"  sudo mcp-bpftrace --list --pid 4242 > app.probes\n"
"\n"
"Exit status: 0 done, 1 runtime failure, 2 bad usage or probe map.\n";

static int bad(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "mcp-bpftrace: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\nTry 'mcp-bpftrace --help'.\n");
	return -1;
}

static int parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno || end == s || *end || *out <= 0)
		return bad("%s: expected a positive number of seconds, got '%s'", opt, s);
	return 0;
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return bad("--ringbuf-size: expected a size like 16M, got '%s'%s", s, "");
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	if (*end || v < 4096 || (v & (v - 1)) || v > (1ULL << 30))
		return bad("--ringbuf-size: '%s' must be a power of two between 4K and 1G%s", s, "");
	*out = v;
	return 0;
}

int cli_parse(int argc, char **argv, struct config *cfg)
{
	enum { O_OTLP = 256, O_OTLP_COMP, O_OTLP_HDR, O_OTLP_QUEUE, O_MAX_SERIES, O_NO_UMULTI, O_OTLP_SHUT, O_PROM_LINGER, O_PROM, O_TOP, O_NOTOP, O_REFRESH, O_HIST, O_SERVICE, O_NOSUM,
	       O_RING, O_CONTENT, O_CGROUP, O_LISTOPS, O_LINGER, O_OBJECT };
	static const struct option opts[] = {
		{"pid", required_argument, 0, 'p'},
		{"container", required_argument, 0, 'c'},
		{"cgroup", required_argument, 0, O_CGROUP},
		{"probes", required_argument, 0, 'P'},
		{"list", no_argument, 0, 'l'},
		{"list-ops", no_argument, 0, O_LISTOPS},
		{"object", required_argument, 0, O_OBJECT},
		{"capture-content", no_argument, 0, O_CONTENT},
		{"otlp-file", required_argument, 0, 'o'},
		{"otlp", required_argument, 0, O_OTLP},
		{"otlp-compression", required_argument, 0, O_OTLP_COMP},
		{"otlp-header", required_argument, 0, O_OTLP_HDR},
		{"otlp-queue", required_argument, 0, O_OTLP_QUEUE},
		{"max-series", required_argument, 0, O_MAX_SERIES},
		{"no-uprobe-multi", no_argument, 0, O_NO_UMULTI},
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
	/* "+": stop at the first non-option, so "-- cmd -x" keeps its flags. */
	while ((c = getopt_long(argc, argv, "+p:c:P:lo:i:d:vhV", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'p': {
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > 0x7fffffff)
				return bad("--pid: expected a process id, got '%s'%s", optarg, "");
			if (cfg->npids == CLI_MAX_PIDS)
				return bad("--pid: at most %s pids%s", "64", "");
			cfg->pids[cfg->npids++] = (pid_t)v;
			break;
		}
		case 'c': cfg->container = optarg; break;
		case O_CGROUP: cfg->cgroup = optarg; break;
		case 'P': cfg->probes = optarg; break;
		case 'l': cfg->list = true; break;
		case O_LISTOPS: cfg->list_ops = true; break;
		case O_OBJECT: cfg->list_object = optarg; break;
		case O_CONTENT: cfg->capture_content = true; break;
		case 'o': cfg->otlp_file = optarg; break;
		case O_OTLP: cfg->otlp_endpoint = optarg; break;
		case O_OTLP_COMP:
			if (strcmp(optarg, "gzip") && strcmp(optarg, "none"))
				return bad("--otlp-compression: expected gzip or none, got '%s'%s", optarg, "");
			cfg->otlp_compression = optarg;
			break;
		case O_OTLP_HDR:
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return bad("--otlp-header: expected KEY=VALUE, got '%s'%s", optarg, "");
			if (cfg->notlp_headers == CLI_MAX_OTLP_HEADERS)
				return bad("--otlp-header: at most %s headers%s", "16", "");
			cfg->otlp_headers[cfg->notlp_headers++] = optarg;
			break;
		case O_OTLP_QUEUE: {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 1 || v > (1UL << 24))
				return bad("--otlp-queue: expected a number of spans from 1 to 16777216, got '%s'%s", optarg, "");
			cfg->otlp_queue = v;
			break;
		}
		case O_NO_UMULTI:
			cfg->no_uprobe_multi = true;
			break;
		case O_MAX_SERIES: {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || v == 1 || v > (1UL << 24))
				return bad("--max-series: expected 0 (no limit) or a number from 2 to 16777216, got '%s'%s", optarg, "");
			cfg->max_series = v;
			cfg->max_series_set = true;
			break;
		}
		case O_OTLP_SHUT:
			if (parse_seconds("--otlp-shutdown-timeout", optarg, &cfg->otlp_shutdown_s))
				return -1;
			break;
		case O_PROM_LINGER:
			if (parse_seconds("--prometheus-linger", optarg, &cfg->prom_linger_s))
				return -1;
			break;
		case O_PROM: cfg->prometheus = optarg; break;
		case O_TOP:
			if (!optarg || !strcmp(optarg, "tui"))
				cfg->top = TOP_TUI;
			else if (!strcmp(optarg, "text"))
				cfg->top = TOP_TEXT;
			else
				return bad("--top: expected nothing or 'text', got '%s'%s", optarg, "");
			break;
		case O_NOTOP: cfg->top = TOP_OFF; break;
		case O_LINGER: cfg->linger = true; break;
		case O_REFRESH:
			if (parse_seconds("--refresh", optarg, &cfg->refresh_s))
				return -1;
			break;
		case O_HIST:
			if (strcmp(optarg, "exponential") && strcmp(optarg, "explicit") &&
			    strncmp(optarg, "explicit:", 9))
				return bad("--histogram: expected exponential or explicit[:b1,b2,...], got '%s'%s", optarg, "");
			cfg->histogram = optarg;
			break;
		case 'i':
			if (parse_seconds("--interval", optarg, &cfg->interval_s))
				return -1;
			break;
		case 'd':
			if (parse_seconds("--duration", optarg, &cfg->duration_s))
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
		case 'V': printf("mcp-bpftrace %s\n", MCP_BPFTRACE_VERSION); return 1;
		case ':':
			return bad("%s: missing its argument%s", argv[optind - 1], "");
		default:
			return bad("unknown option '%s'%s", argv[optind - 1], "");
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") && optind > 0 && argv[optind][0] != '-') {
			/* getopt stopped at a non-option that did not follow "--" */
			return bad("unexpected argument '%s' (a command to launch goes after --)%s",
				   argv[optind], "");
		}
		cfg->cmd = &argv[optind];
	}
	if (cfg->list_ops)
		return 0;
	int ntargets = (cfg->npids > 0) + (cfg->cmd != NULL) + (cfg->container != NULL) + (cfg->cgroup != NULL);

	if (ntargets == 0)
		return bad("no target: give --pid PID, --container ID, --cgroup PATH or -- COMMAND%s%s", "", "");
	if (ntargets > 1)
		return bad("give one kind of target: --pid, --container, --cgroup or -- COMMAND%s%s", "", "");
	if (cfg->list_object && !cfg->list)
		return bad("--object NAME goes with --list (a probe map names objects itself)%s%s", "", "");
	if (!cfg->list && !cfg->probes)
		return bad("--probes FILE is required (write one with --list)%s%s", "", "");
	return 0;
}
