/*
 * fuzz_text.c — libFuzzer target: the flowstream.stream text input
 * (flow_parse_state, what stream_in calls) on arbitrary bytes.
 *
 * The server hands stream_in a NUL-terminated C string, so the input is
 * cut at its first NUL, as a cstring would be.  A rejected literal must
 * come with a detail sentence (the 22P02 errdetail); an accepted one must
 * be a reachable state that round-trips through text and binary, and whose
 * views and depletion time agree with the oracle (fuzz_common.h).
 */
#include "fuzz_common.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *str = malloc(size + 1);
	char		detail[FLOW_DETAIL_MAX + 1];
	FlowState	s;

	memcpy(str, data, size);
	str[size] = '\0';
	memset(detail, 0x5a, sizeof(detail));
	if (flow_parse_state(str, &s, detail))
		fz_check_state(&s, s.last);
	else
	{
		size_t		n = strnlen(detail, FLOW_DETAIL_MAX);

		FUZZ_CHECK(n > 0 && n < FLOW_DETAIL_MAX, "rejected without a detail (%zu)", n);
		FUZZ_CHECK((unsigned char) detail[FLOW_DETAIL_MAX] == 0x5a, "detail written past FLOW_DETAIL_MAX");
	}
	free(str);
	return 0;
}
