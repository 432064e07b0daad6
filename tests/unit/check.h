/* Minimal assertion helpers shared by the host unit tests: count checks, report failures with their
 * location, and end each program with one "N passed, N failed" line and a matching exit status. */
#ifndef KEEL_TEST_CHECK_H
#define KEEL_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static unsigned check_passed, check_failed;

/* Records one check; prints "FAIL file:line: expr" when it does not hold. Evaluates to its truth. */
#define CHECK(expr) check_record(!!(expr), __FILE__, __LINE__, #expr, NULL, NULL)

/* String equality with both strings shown on failure (NULL compares equal only to NULL). */
#define CHECK_STR(got, want) check_str((got), (want), __FILE__, __LINE__, #got " == " #want)

/* Integer equality with both values shown on failure. */
#define CHECK_EQ(got, want) check_int((long long)(got), (long long)(want), __FILE__, __LINE__, \
				      #got " == " #want)

static inline int check_record(int ok, const char *file, int line, const char *expr, const char *got,
			       const char *want)
{
	if (ok) {
		check_passed++;
		return 1;
	}
	check_failed++;
	printf("FAIL %s:%d: %s\n", file, line, expr);
	if (got || want)
		printf("  got:  %s\n  want: %s\n", got ? got : "(null)", want ? want : "(null)");
	return 0;
}

static inline int check_str(const char *got, const char *want, const char *file, int line, const char *expr)
{
	int ok = (got == NULL || want == NULL) ? got == want : strcmp(got, want) == 0;

	return check_record(ok, file, line, expr, ok ? NULL : (got ? got : "(null)"),
			    ok ? NULL : (want ? want : "(null)"));
}

static inline int check_int(long long got, long long want, const char *file, int line, const char *expr)
{
	char g[32], w[32];

	if (got == want)
		return check_record(1, file, line, expr, NULL, NULL);
	snprintf(g, sizeof(g), "%lld", got);
	snprintf(w, sizeof(w), "%lld", want);
	return check_record(0, file, line, expr, g, w);
}

/* Prints the summary line; use as `return check_summary();` at the end of main. */
static inline int check_summary(void)
{
	printf("%u passed, %u failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
