#pragma once
/* Subcommands, flags to Job, usage errors (exit 2). */

/* Run judgebox with the process's arguments; returns the exit status. */
int cli_main(int argc, char **argv);
