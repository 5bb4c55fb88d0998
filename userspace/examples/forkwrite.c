// SPDX-License-Identifier: GPL-2.0
/*
 * forkwrite: a small workload for the demo and the labs.  Maps and fills a
 * buffer, forks, lets the child write every Nth page, then both wait so
 * ptscope can look at them.  Prints "ready PARENT CHILD ADDR LEN" once the
 * child has written, and exits when stdin closes.
 *
 *	forkwrite [MIB [EVERY]]		(default 16 MiB, every 4th page)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
	size_t every = argc > 2 ? strtoul(argv[2], NULL, 0) : 4;
	size_t page = sysconf(_SC_PAGESIZE), len = mib << 20, i;
	int ready[2], go[2];
	char *buf, c;
	pid_t child;

	if (!mib || !every)
		return fprintf(stderr, "usage: forkwrite [MIB [EVERY]]\n"), 2;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return perror("mmap"), 1;
	memset(buf, 0x5a, len);
	if (pipe(ready) || pipe(go))
		return perror("pipe"), 1;

	child = fork();
	if (child < 0)
		return perror("fork"), 1;
	if (!child) {
		for (i = 0; i < len; i += every * page)
			buf[i] = 1;
		write(ready[1], "x", 1);
		read(go[0], &c, 1);
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		return 1;
	printf("ready %d %d %p %zu\n", getpid(), child, (void *)buf, len);
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	write(go[1], "x", 1);
	waitpid(child, NULL, 0);
	return 0;
}
