/* Sum and maximum (see sol.c), wrong: it keeps the sum and the maximum in an
 * int, so test 2 (values over 2^31) comes out wrapped and gets WRONG_ANSWER,
 * while tests 1 and 3 pass. */
#include <stdio.h>

int main(void)
{
	long long n, a;
	int sum = 0, max = 0;
	if (scanf("%lld", &n) != 1 || n < 1)
		return 1;
	for (long long i = 0; i < n; i++) {
		if (scanf("%lld", &a) != 1)
			return 1;
		sum = (int) (sum + a); /* wraps modulo 2^32 with gcc */
		if (i == 0 || a > max)
			max = (int) a;
	}
	printf("%d %d\n", sum, max);
	return 0;
}
