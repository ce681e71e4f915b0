/* Per-thread response cache of the model router: (model_type, prompt) → result. */
#ifndef MCP_DEMO_MODEL_CACHE_H
#define MCP_DEMO_MODEL_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#define MODEL_CACHE_SLOTS 12

struct model_cache_entry {
	bool used;
	char model_type[32];
	uint64_t prompt_hash;
	char selected_model[32];
	const char *provider;
	long tokens_used;
	long response_length;
};

struct model_cache {
	struct model_cache_entry slot[MODEL_CACHE_SLOTS];
	unsigned next; /* round-robin replacement: deterministic */
};

const struct model_cache_entry *model_cache_get(const struct model_cache *c,
						const char *model_type,
						const char *prompt);
void model_cache_put(struct model_cache *c, const struct model_cache_entry *e,
		     const char *prompt);

#endif
