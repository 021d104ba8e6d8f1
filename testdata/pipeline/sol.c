/* Sum and maximum: the input is n (1 <= n <= 100000) and then n integers
 * (|a_i| <= 10^12); print their sum and their maximum, separated by a space.
 * A correct solution: the sum needs 64 bits. */
#include <stdio.h>

int main(void)
{
	long long n, a, sum = 0, max = 0;
	if (scanf("%lld", &n) != 1 || n < 1)
		return 1;
	for (long long i = 0; i < n; i++) {
		if (scanf("%lld", &a) != 1)
			return 1;
		sum += a;
		if (i == 0 || a > max)
			max = a;
	}
	printf("%lld %lld\n", sum, max);
	return 0;
}
