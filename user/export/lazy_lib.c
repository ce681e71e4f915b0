/* Libraries loaded on first use (lazy_lib.h). */
#include <dlfcn.h>
#include "export/lazy_lib.h"

bool lazy_lib_load(const char *lib, const char *const names[], void *slots[], size_t n)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	for (i = 0; h && i < n; i++)
		if (!(slots[i] = dlsym(h, names[i])))
			break;
	if (h && i == n)
		return true;
	for (i = 0; i < n; i++)
		slots[i] = NULL;
	return false; /* the handle stays: nothing of it is used */
}
