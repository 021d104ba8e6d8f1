// escape: clone the root mount with open_tree(OPEN_TREE_CLONE) to detach it from the view
// expect: SYSCALL_VIOLATION open_tree
#include "esc.h"

int main(void)
{
	long r = syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */);
	esc_survived("open_tree('/')", r);
}
