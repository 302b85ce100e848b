/* eventlet's echo server: every client gets a green thread of its own, from serve(); a client that
 * sends "shutdown" stops the server, as a handler raising StopServe does.
 *
 *   echo_server [PORT [HOST]]      (PORT 0: any; prints "listening on HOST:PORT")
 *   then:  nc 127.0.0.1 PORT
 *
 * Built against the library (-lgreenpatch), it needs no LD_PRELOAD. */
#include <greenpatch.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int handle(int client, const struct sockaddr *peer, socklen_t len, void *arg)
{
	long *served = arg;
	char buf[4096];
	ssize_t n;
	++*served;
	while ((n = greenpatch_recv(client, buf, sizeof(buf), 0)) > 0) {
		if (n >= 8 && !memcmp(buf, "shutdown", 8))
			return GREENPATCH_STOP_SERVE;
		if (greenpatch_sendall(client, buf, (size_t)n) < 0)
			break; /* the client went away: only this connection ends */
	}
	return GREENPATCH_SERVE_OK;
}

static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 6000;
	const char *host = argc > 2 ? argv[2] : "127.0.0.1";
	int sock = greenpatch_listen(host, port, 0, 0);
	if (sock < 0) {
		fprintf(stderr, "echo_server: listen on %s:%d: %s\n", host, port, strerror(errno));
		return 1;
	}
	printf("listening on %s:%d\n", host, local_port(sock));
	fflush(stdout);
	long served = 0;
	if (greenpatch_serve(sock, handle, &served, 1000) < 0) {
		fprintf(stderr, "echo_server: serve: %s\n", strerror(errno));
		return 1;
	}
	printf("stopped after %ld clients\n", served);
	return 0;
}
