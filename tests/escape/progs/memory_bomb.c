// escape: allocate and touch memory without end (--memory 64M): the OOM killer ends the job
// expect: MEMORY_LIMIT
// run: --memory 64M
#include "esc.h"

int main(void)
{
	for (size_t total = 0;; total += 1 << 20) {
		if (!esc_hog(1 << 20)) {
			printf("info: malloc failed after %zu MiB\n", total >> 20);
			return 1; /* RLIMIT_AS, not the cgroup: still must not exit 0 */
		}
	}
}
