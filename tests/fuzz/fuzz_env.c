/* libFuzzer target: a whole GREENPATCH_* environment (NUL-separated NAME=VALUE records, see
 * fuzz.h) through gp_flags_parse, every result checked against the model in fuzz.h. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_clear();
	for (size_t at = 0; at < size;) {
		const uint8_t *rec = data + at, *nul = memchr(rec, 0, size - at);
		size_t len = nul ? (size_t)(nul - rec) : size - at;
		const uint8_t *eq = memchr(rec, '=', len);
		for (int i = 0; eq && i < NVARS; i++) {
			size_t k = strlen(fz_names[i]) - strlen("GREENPATCH_");
			if ((size_t)(eq - rec) == k && !memcmp(rec, fz_names[i] + strlen("GREENPATCH_"), k))
				fz_set(i, eq + 1, len - k - 1);
		}
		at += len + 1;
	}
	fz_verify();
	return 0;
}
