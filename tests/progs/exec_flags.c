/* The program proc_exec runs: prints how it was started (argv[2]), whether the listening socket it
 * inherited as descriptor argv[1] is O_NONBLOCK, and the EXEC_MARK variable of its environment. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int fl = fcntl(atoi(argv[1]), F_GETFL);
	const char *mark = getenv("EXEC_MARK");
	printf("%s: inherited socket O_NONBLOCK %d%s%s\n", argv[2], fl >= 0 ? (fl & O_NONBLOCK) != 0 : -1,
	       mark ? ", EXEC_MARK=" : "", mark ? mark : "");
	return 0;
}
