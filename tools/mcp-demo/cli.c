#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: mcp-demo [OPTIONS]\n"
	"A multi-threaded stand-in for an MCP agent system: agent collaboration,\n"
	"model routing, workflows, plans and verification, as exported mcp_*\n"
	"functions and USDT probes (provider mcp_demo) for mcp-bpftrace to trace.\n"
	"\n"
	"  --seed N          RNG seed; a run is reproducible from it (default 1)\n"
	"  --threads N       worker threads, 1..256 (default 4)\n"
	"  --ops N           top-level operations in total (default 1000)\n"
	"  --duration S      run for S seconds instead of --ops\n"
	"  --rate R          with --duration: about R top-level ops/s in total\n"
	"                    (default 0: as fast as possible)\n"
	"  --error-rate P    probability that a span operation fails, 0..1 (default 0.05)\n"
	"  --time-scale F    multiply every simulated sleep by F, >= 0 (default 1.0)\n"
	"  --ledger FILE     write what was done as JSON to FILE ('-': stdout)\n"
	"  --wait-signal     wait for SIGUSR1 before starting (attach a tracer first)\n"
	"  -h, --help        show this help\n"
	"\n"
	"Examples:\n"
	"  mcp-demo --seed 7 --threads 4 --ops 2000 --ledger /tmp/ledger.json\n"
	"  mcp-demo --duration 30 --rate 200 --wait-signal &\n"
	"  mcp-bpftrace --pid $! ... ; kill -USR1 $!\n";

enum {
	OPT_SEED = 256, OPT_THREADS, OPT_OPS, OPT_DURATION, OPT_RATE,
	OPT_ERROR_RATE, OPT_TIME_SCALE, OPT_LEDGER, OPT_WAIT_SIGNAL,
};

static const struct option options[] = {
	{"seed", required_argument, NULL, OPT_SEED},
	{"threads", required_argument, NULL, OPT_THREADS},
	{"ops", required_argument, NULL, OPT_OPS},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"rate", required_argument, NULL, OPT_RATE},
	{"error-rate", required_argument, NULL, OPT_ERROR_RATE},
	{"time-scale", required_argument, NULL, OPT_TIME_SCALE},
	{"ledger", required_argument, NULL, OPT_LEDGER},
	{"wait-signal", no_argument, NULL, OPT_WAIT_SIGNAL},
	{"help", no_argument, NULL, 'h'},
	{0, 0, 0, 0},
};

static int bad(const char *opt, const char *expected, const char *got)
{
	fprintf(stderr, "mcp-demo: --%s: expected %s, got '%s'\n", opt, expected, got);
	return CLI_EXIT_USAGE;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int cli_parse(int argc, char **argv, struct demo_config *cfg)
{
	bool have_ops = false, have_rate = false;
	long v;
	int c;

	*cfg = (struct demo_config){
		.seed = 1, .threads = 4, .ops = 1000, .error_rate = 0.05,
		.time_scale = 1.0,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		const char *name = optind > 0 ? argv[optind - 1] : "";

		switch (c) {
		case OPT_SEED: {
			char *end;

			errno = 0;
			cfg->seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-')
				return bad("seed", "an unsigned integer", optarg);
			break;
		}
		case OPT_THREADS:
			if (!parse_long(optarg, 1, 256, &v))
				return bad("threads", "an integer 1..256", optarg);
			cfg->threads = (int)v;
			break;
		case OPT_OPS:
			if (!parse_long(optarg, 0, 1000000000L, &cfg->ops))
				return bad("ops", "an integer 0..1000000000", optarg);
			have_ops = true;
			break;
		case OPT_DURATION:
			if (!parse_double(optarg, 0.001, 86400.0, &cfg->duration_s))
				return bad("duration", "seconds, 0.001..86400", optarg);
			break;
		case OPT_RATE:
			if (!parse_double(optarg, 0.0, 1e7, &cfg->rate))
				return bad("rate", "ops per second, 0..10000000", optarg);
			have_rate = true;
			break;
		case OPT_ERROR_RATE:
			if (!parse_double(optarg, 0.0, 1.0, &cfg->error_rate))
				return bad("error-rate", "a probability 0..1", optarg);
			break;
		case OPT_TIME_SCALE:
			if (!parse_double(optarg, 0.0, 1000.0, &cfg->time_scale))
				return bad("time-scale", "a factor 0..1000", optarg);
			break;
		case OPT_LEDGER:
			if (!optarg[0])
				return bad("ledger", "a file name", optarg);
			cfg->ledger_path = optarg;
			break;
		case OPT_WAIT_SIGNAL:
			cfg->wait_signal = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		case ':':
			fprintf(stderr, "mcp-demo: option '%s' needs a value (see --help)\n",
				name);
			return CLI_EXIT_USAGE;
		default:
			fprintf(stderr, "mcp-demo: unknown option '%s' (see --help)\n", name);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mcp-demo: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (have_ops && cfg->duration_s > 0) {
		fputs("mcp-demo: --ops and --duration exclude each other\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (have_rate && cfg->duration_s <= 0) {
		fputs("mcp-demo: --rate needs --duration\n", stderr);
		return CLI_EXIT_USAGE;
	}
	if (cfg->duration_s > 0)
		cfg->ops = 0;
	return CLI_OK;
}
