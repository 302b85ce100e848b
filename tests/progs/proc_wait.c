/* Waiting for children while other threads run: waitpid on a child that exits after 300 ms, wait()
 * for any child, waitid(P_PID), WNOHANG and ECHILD, all while a heartbeat thread ticks. */
#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static pid_t child(int ms, int code)
{
	pid_t p = fork();
	CHECK(p >= 0);
	if (p == 0) {
		usleep((useconds_t)ms * 1000);
		_exit(code);
	}
	return p;
}

int main(void)
{
	pthread_t hb;
	int st;
	setvbuf(stdout, NULL, _IOLBF, 0);
	CHECK(pthread_create(&hb, NULL, hb_run, NULL) == 0);
	usleep(20000);
	pid_t p = child(300, 7);
	printf("waitpid WNOHANG while running -> %d\n", (int)waitpid(p, &st, WNOHANG));
	long t0 = hb_ticks;
	pid_t r = waitpid(p, &st, 0);
	printf("waitpid -> same pid %d, exit %d, heartbeat ticked meanwhile %d\n", r == p, WEXITSTATUS(st),
	       hb_ticks - t0 >= 10);
	p = child(100, 3);
	t0 = hb_ticks;
	r = wait(&st);
	printf("wait -> same pid %d, exit %d, ticked %d\n", r == p, WEXITSTATUS(st), hb_ticks - t0 >= 3);
	p = child(100, 5);
	siginfo_t si = { 0 };
	int w = waitid(P_PID, (id_t)p, &si, WEXITED);
	printf("waitid -> %d, pid %d, status %d\n", w, si.si_pid == p, si.si_status);
	errno = 0;
	r = waitpid(-1, &st, 0);
	printf("waitpid with no children -> %d %s\n", (int)r, strerror(errno));
	hb_done = 1;
	pthread_join(hb, NULL);
	return 0;
}
