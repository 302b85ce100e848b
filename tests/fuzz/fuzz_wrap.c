/* libFuzzer target: the input is GREENPATCH_TPOOL_WRAP, the most involved grammar (entries,
 * names, signatures, limits, duplicates); accepted lists must read back as the value, rejected
 * ones give one whole line naming the variable. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_clear();
	fz_set(V_WRAP, data, size);
	fz_verify();
	return 0;
}
