/* main.c — the bulwark command: dispatches to subcommands. */
#include <stdio.h>
#include <string.h>

#include "bulwark/bulwark.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		puts("bulwark " BULWARK_VERSION);
		return 0;
	}
	fputs("usage: bulwark COMMAND\n", stderr);
	return 2;
}
