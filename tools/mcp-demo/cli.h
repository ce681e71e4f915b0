/* Command line of mcp-demo. */
#ifndef MCP_DEMO_CLI_H
#define MCP_DEMO_CLI_H

#include <stdbool.h>
#include <stdint.h>

struct demo_config {
	uint64_t seed;
	int threads;
	long ops;            /* total top-level ops; 0 in --duration mode */
	double duration_s;   /* > 0: run for this long instead of --ops */
	double rate;         /* --duration mode: top-level ops/s in total, 0 = flat out */
	double error_rate;
	double time_scale;
	const char *ledger_path;
	bool wait_signal;
};

enum { CLI_OK = 0, CLI_EXIT_OK = 1, CLI_EXIT_USAGE = 2 };

/* Fills cfg; on CLI_EXIT_* the caller exits (help shown / error printed). */
int cli_parse(int argc, char **argv, struct demo_config *cfg);

#endif
