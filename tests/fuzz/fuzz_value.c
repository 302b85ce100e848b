/* libFuzzer target: one variable at a time, the first byte choosing which (modulo 13, in the
 * order of fuzz.h's fz_names), the rest its value: the syntax of each kind of value (flags,
 * sizes, the deadlock mode, wrap lists) against the model in fuzz.h. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	fz_clear();
	fz_set(data[0] % NVARS, data + 1, size - 1);
	fz_verify();
	return 0;
}
