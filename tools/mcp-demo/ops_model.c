/* Model routing: cache lookup, then model selection and inference on a miss. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "data.h"
#include "ledger.h"
#include "ops.h"
#include "sim.h"
#include "worker.h"

static const struct sim_error routing_errors[] = {
	{"RateLimitError", EBUSY},
	{"ValidationError", EINVAL},
};
static const struct sim_error selection_errors[] = {
	{"ModelUnavailableError", ENOENT},
};
static const struct sim_error inference_errors[] = {
	{"TimeoutError", ETIMEDOUT},
	{"RateLimitError", EBUSY},
	{"ContextLengthExceededError", E2BIG},
};

MCP_OP long mcp_model_selection(const char *available_models_csv, int count,
				struct mcp_selection_result *out)
{
	uint64_t t0 = clock_ns();
	long rc = 0;

	memset(out, 0, sizeof(*out));
	sim_work(available_models_csv, 30, 90);
	if (sim_inject() || count <= 0) {
		rc = sim_fail(out->error_type, SIM_ERRORS(selection_errors));
	} else {
		/* The pick-th name of the comma list. */
		const char *p = available_models_csv;
		int pick = sim_range(0, count - 1);

		for (int i = 0; i < pick && p; i++) {
			p = strchr(p, ',');
			p = p ? p + 1 : NULL;
		}
		if (!p)
			p = available_models_csv;
		snprintf(out->selected_model, sizeof(out->selected_model), "%.*s",
			 (int)strcspn(p, ","), p);
	}

	uint64_t inner = clock_ns() - t0;
	ledger_span("model_selection", rc >= 0, inner);
	if (rc >= 0)
		ledger_observe_ns("mcp_model_selection_time_seconds", inner,
				  LEDGER_ATTRS({"mcp.selected_model", out->selected_model}));
	return rc;
}

MCP_OP long mcp_model_inference(const char *model_type, int prompt_length,
				struct mcp_inference_result *out)
{
	uint64_t t0 = clock_ns();
	const struct model_info *m = model_find(model_type);
	long rc = 0;

	memset(out, 0, sizeof(*out));
	sim_work(model_type, 60, 260);
	if (sim_inject() || !m) {
		rc = sim_fail(out->error_type, SIM_ERRORS(inference_errors));
	} else {
		long completion = sim_range(16, 512);

		out->tokens_used = prompt_length / 4 + completion;
		out->response_length = completion * 4;
		out->cost = ldexp((double)(out->tokens_used * m->price_units), -24);
	}

	uint64_t inner = clock_ns() - t0;
	ledger_span("model_inference", rc >= 0, inner);
	ledger_observe_ns("mcp_model_inference_time_seconds", inner,
			  LEDGER_ATTRS({"mcp.model_type", model_type}));
	ledger_count("mcp_model_usage_total", 1,
		     LEDGER_ATTRS({"mcp.model_type", model_type}));
	if (rc >= 0) {
		ledger_count("mcp_model_token_usage_total", out->tokens_used,
			     LEDGER_ATTRS({"mcp.model_type", model_type}));
		ledger_count_double("mcp_model_cost_total", out->cost,
				    LEDGER_ATTRS({"mcp.model_type", model_type}));
	} else {
		ledger_count("mcp_model_errors_total", 1,
			     LEDGER_ATTRS({"mcp.model_type", model_type},
					  {"mcp.error_type", out->error_type}));
	}
	return rc;
}

/* The comma list of models serving model_type ("auto": all of them). */
static int candidates(const char *model_type, char *buf, size_t cap)
{
	size_t len = 0;
	int n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(models); i++) {
		if (strcmp(model_type, model_type_auto) != 0 &&
		    strcmp(models[i].family, model_type) != 0)
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", n ? "," : "",
					models[i].name);
		n++;
	}
	return n;
}

/* Miss path: select a model, run it, fill out. */
static long route_to_model(const char *model_type, int prompt_length,
			   struct mcp_routing_result *out)
{
	struct mcp_selection_result sr;
	struct mcp_inference_result ir;
	char available[160];
	int count = candidates(model_type, available, sizeof(available));
	long r;

	r = MCP_CALL("model_selection", mcp_model_selection(available, count, &sr));
	if (r < 0)
		return sim_fail_as(out->error_type, sr.error_type, (int)-r);
	memcpy(out->selected_model, sr.selected_model, sizeof(out->selected_model));

	r = MCP_CALL("model_inference",
		     mcp_model_inference(sr.selected_model, prompt_length, &ir));
	if (r < 0)
		return sim_fail_as(out->error_type, ir.error_type, (int)-r);
	out->tokens_used = ir.tokens_used;
	out->cost = ir.cost;
	out->response_length = ir.response_length;
	out->provider = model_find(sr.selected_model)->provider;
	return 0;
}

static void record_routing(const char *model_type, long rc,
			   const struct mcp_routing_result *out, uint64_t inner)
{
	ledger_span("model_routing", rc >= 0, inner);
	ledger_count("mcp_model_routing_total", 1,
		     LEDGER_ATTRS({"mcp.model_type", model_type},
				  {"mcp.success", mcp_success(rc)}));
	ledger_observe_ns("mcp_model_routing_duration_seconds", inner,
			  LEDGER_ATTRS({"mcp.model_type", model_type}));
	if (rc >= 0)
		ledger_count("mcp_model_routing_success_total", 1,
			     LEDGER_ATTRS({"mcp.model_type", model_type}));
	else
		ledger_count("mcp_model_routing_errors_total", 1,
			     LEDGER_ATTRS({"mcp.model_type", model_type},
					  {"mcp.error_type", out->error_type}));
	ledger_count("mcp_active_model_routings", -1,
		     LEDGER_ATTRS({"mcp.model_type", model_type}));
}

MCP_OP long mcp_model_routing(const char *request_id, const char *model_type,
			      const char *prompt, int prompt_length,
			      struct mcp_routing_result *out)
{
	uint64_t t0 = clock_ns();
	/* The tracer counts an empty model_type as "auto"; so does the ledger. */
	const char *mt = model_type[0] ? model_type : model_type_auto;
	struct model_cache *cache = &worker_current()->cache;
	const struct model_cache_entry *hit;
	long rc = 0;

	ledger_count("mcp_active_model_routings", 1,
		     LEDGER_ATTRS({"mcp.model_type", mt}));
	memset(out, 0, sizeof(*out));
	sim_work(request_id, 10, 40);
	if (sim_inject()) {
		rc = sim_fail(out->error_type, SIM_ERRORS(routing_errors));
	} else if ((hit = model_cache_get(cache, mt, prompt))) {
		mcp_model_cache_hit(mt);
		out->cache_hit = true;
		memcpy(out->selected_model, hit->selected_model,
		       sizeof(out->selected_model));
		out->provider = hit->provider;
		out->tokens_used = hit->tokens_used;
		out->response_length = hit->response_length;
	} else {
		mcp_model_cache_miss(mt);
		rc = route_to_model(mt, prompt_length, out);
		if (rc == 0) {
			struct model_cache_entry e = {
				.provider = out->provider,
				.tokens_used = out->tokens_used,
				.response_length = out->response_length,
			};

			snprintf(e.model_type, sizeof(e.model_type), "%s", mt);
			memcpy(e.selected_model, out->selected_model,
			       sizeof(e.selected_model));
			model_cache_put(cache, &e, prompt);
		}
	}

	uint64_t inner = clock_ns() - t0;
	record_routing(mt, rc, out, inner);
	return rc;
}
