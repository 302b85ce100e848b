/* The classic legacy server shutdown: a SIGTERM handler (sigaction, no SA_RESTART) sets a flag;
 * main's accept loop sees accept fail with EINTR, finds the flag and leaves the loop; the worker
 * threads (one per connection, blocked in read) are woken by shutdown() of their sockets and
 * joined; exit status 0. Prints "listening port=N" (flushed) once ready, a line per connection
 * served, and how it stopped. The test connects, then sends SIGTERM from outside with kill.
 * A watchdog ends it after 20 s. */
#include <netinet/in.h>
#include <sys/socket.h>
#include "watch.h"

static volatile sig_atomic_t stop_flag;
static void on_term(int sig) { stop_flag = 1; }

#define MAXC 16
static int conns[MAXC], nconns;
static pthread_t workers[MAXC];

static void *worker(void *arg)
{
	int fd = (int)(long)arg;
	char buf[256];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			break;
	return NULL;
}

int main(void)
{
	watchdog(20);
	struct sigaction sa = { .sa_handler = on_term, .sa_flags = 0 };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGTERM, &sa, NULL) == 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 16) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &len) == 0);
	printf("listening port=%d\n", ntohs(a.sin_port));
	fflush(stdout);
	int accept_err = 0;
	while (!stop_flag) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			accept_err = errno;
			if (errno == EINTR)
				continue; /* the loop condition sees the flag */
			break;
		}
		if (nconns == MAXC) {
			close(c);
			continue;
		}
		conns[nconns] = c;
		CHECK(pthread_create(&workers[nconns], NULL, worker, (void *)(long)c) == 0);
		nconns++;
		printf("connection %d accepted\n", nconns);
	}
	printf("accept loop left: flag %d, last accept error %s\n", (int)stop_flag, errname(accept_err));
	for (int i = 0; i < nconns; i++)
		shutdown(conns[i], SHUT_RDWR);
	for (int i = 0; i < nconns; i++)
		CHECK(pthread_join(workers[i], NULL) == 0);
	printf("workers joined %d, clean exit\n", nconns);
	close(l);
	return 0;
}
