#include "cli.h"

#include <stdio.h>

int cli_main(int argc, char **argv)
{
	(void) argc;
	(void) argv;
	fprintf(stderr, "judgebox: not built yet\n");
	return 2;
}
