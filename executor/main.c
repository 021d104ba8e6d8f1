#include "cli.h"
#include "init.h"

int main(int argc, char **argv)
{
	init_note_args(argc, argv);
	return cli_main(argc, argv);
}
