/* Language matrix: read the integers of input.txt (a placed file) with
 * fopen, write "sum S count N" to output.txt (collected). */
#include <stdio.h>

int main(void)
{
	FILE *in = fopen("input.txt", "r");
	if (!in) {
		perror("input.txt");
		return 1;
	}
	long long x, sum = 0, n = 0;
	while (fscanf(in, "%lld", &x) == 1) {
		sum += x;
		n++;
	}
	fclose(in);
	FILE *out = fopen("output.txt", "w");
	if (!out || fprintf(out, "sum %lld count %lld\n", sum, n) < 0 || fclose(out) != 0) {
		perror("output.txt");
		return 1;
	}
	return 0;
}
