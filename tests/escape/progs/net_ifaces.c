// escape: find the host's network interfaces (only the box's own lo may be seen)
// expect: OK
#include "esc.h"

int main(void)
{
	FILE *f = fopen("/proc/net/dev", "r");
	if (!f)
		esc_broken("open /proc/net/dev: %s", strerror(errno));
	char line[512];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *name = line + strspn(line, " ");
		if (strcmp(name, "lo") == 0)
			esc_ok("interface lo");
		else
			esc_bad("host interface '%s' visible", name);
		n++;
	}
	fclose(f);
	if (n != 1)
		esc_bad("%d interfaces, expected lo only", n);
	esc_open_refused("/sys/class/net/lo/operstate", O_RDONLY);
	return esc_done();
}
