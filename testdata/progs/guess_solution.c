/* A correct guess-the-number solution: binary search over [1, 1000000].
 * argv[1] = "wrong": always guesses 1; "hang": sleeps without guessing. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "hang"))
		for (;;)
			pause();
	long lo = 1, hi = 1000000;
	char reply[8];
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		long mid = !strcmp(mode, "wrong") ? 1 : lo + (hi - lo) / 2;
		printf("%ld\n", mid);
		if (scanf("%7s", reply) != 1)
			return 0; /* the interactor is done */
		if (reply[0] == '=')
			return 0;
		if (reply[0] == '<')
			lo = mid + 1;
		else
			hi = mid - 1;
	}
}
