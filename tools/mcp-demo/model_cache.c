#include "model_cache.h"

#include <string.h>

static uint64_t hash_prompt(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

const struct model_cache_entry *model_cache_get(const struct model_cache *c,
						const char *model_type,
						const char *prompt)
{
	uint64_t h = hash_prompt(prompt);

	for (int i = 0; i < MODEL_CACHE_SLOTS; i++) {
		const struct model_cache_entry *e = &c->slot[i];

		if (e->used && e->prompt_hash == h &&
		    strcmp(e->model_type, model_type) == 0)
			return e;
	}
	return NULL;
}

void model_cache_put(struct model_cache *c, const struct model_cache_entry *e,
		     const char *prompt)
{
	struct model_cache_entry *slot = &c->slot[c->next];

	*slot = *e;
	slot->used = true;
	slot->prompt_hash = hash_prompt(prompt);
	c->next = (c->next + 1) % MODEL_CACHE_SLOTS;
}
