/* Interactor of the guess-the-number example (testlib-style exit codes:
 * 0 accepted, 1 wrong answer, 2 presentation error). argv[1]: the secret,
 * argv[2]: the most guesses allowed. It prints "<", ">" or "=" after each
 * guess read from its stdin (the solution's stdout). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long secret = argc > 1 ? atol(argv[1]) : 42, most = argc > 2 ? atol(argv[2]) : 20, guess;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long n = 1; n <= most; n++) {
		if (scanf("%ld", &guess) != 1) {
			fprintf(stderr, "guess %ld: no number\n", n);
			return 2;
		}
		if (guess == secret) {
			printf("=\n");
			fprintf(stderr, "ok: %ld guesses\n", n);
			return 0;
		}
		printf(guess < secret ? "<\n" : ">\n");
	}
	fprintf(stderr, "wrong answer: more than %ld guesses\n", most);
	return 1;
}
