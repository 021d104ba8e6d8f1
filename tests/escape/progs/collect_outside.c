// escape: Job.collect naming a path outside /box (../etc/shadow): the job is refused
// expect: INVALID_JOB
// run: --collect ../etc/shadow
#include "esc.h"

int main(void)
{
	printf("ESCAPED: ran despite an invalid collect path\n");
	return 0;
}
