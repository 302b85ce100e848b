/* eventlet's web crawler: fetch many URLs at once through a GreenPool, and hand the results back
 * in the order of the URLs (imap), whatever order they complete in. The fetch is plain blocking
 * C (getaddrinfo, socket, connect, write, read): linked with -lgreenpatch, those calls wait
 * greenly, so one OS thread keeps `concurrency` requests in flight.
 *
 *   web_crawler [-c CONCURRENCY] URL...      (http://host[:port]/path; "-" reads URLs from stdin)
 *
 * Prints "STATUS BYTES URL" per URL, then a summary; exit status 1 if any fetch failed. */
#include <greenpatch.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct page {
	const char *url;
	int status;
	long bytes; /* the body's */
};

static int in_flight, most_in_flight;

/* "http://host[:port]/path" into its parts; 0 or -1. */
static int split_url(const char *url, char *host, size_t hlen, char *port, size_t plen, const char **path)
{
	if (strncmp(url, "http://", 7))
		return -1;
	const char *h = url + 7, *end = h + strcspn(h, "/"), *colon = memchr(h, ':', (size_t)(end - h));
	const char *hend = colon ? colon : end;
	if (hend == h || (size_t)(hend - h) >= hlen)
		return -1;
	snprintf(host, hlen, "%.*s", (int)(hend - h), h);
	snprintf(port, plen, "%.*s", colon ? (int)(end - colon - 1) : 2, colon ? colon + 1 : "80");
	*path = *end ? end : "/";
	return 0;
}

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int err = getaddrinfo(host, port, &hints, &res); /* on the tpool: other fetches go on */
	if (err)
		return -(err == EAI_SYSTEM ? errno : EHOSTUNREACH);
	int fd = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -err;
	}
	freeaddrinfo(res);
	return fd;
}

/* Read the whole response into *page; 0 or an errno. */
static int read_response(int fd, struct page *page)
{
	char buf[16384];
	size_t have = 0;
	ssize_t n;
	long total = 0;
	long head = -1;
	while ((n = read(fd, buf + have, sizeof(buf) - have - 1)) > 0) {
		total += n;
		if (head < 0) {
			have += (size_t)n;
			buf[have] = 0;
			char *eoh = strstr(buf, "\r\n\r\n");
			if (eoh)
				head = eoh + 4 - buf;
			else if (have == sizeof(buf) - 1)
				return EPROTO; /* a header this long is not a web page */
		}
	}
	if (n < 0)
		return errno;
	if (head < 0 || sscanf(buf, "HTTP/%*d.%*d %d", &page->status) != 1)
		return EPROTO;
	page->bytes = total - head;
	return 0;
}

static void *fetch(void *arg)
{
	struct page *page = arg;
	char host[256], port[16], req[2048];
	const char *path;
	if (split_url(page->url, host, sizeof(host), port, sizeof(port), &path) < 0)
		greenpatch_raise(EINVAL);
	if (++in_flight > most_in_flight)
		most_in_flight = in_flight;
	int fd = dial(host, port), err = fd < 0 ? -fd : 0;
	if (!err) {
		int len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: greenpatch-crawler\r\n\r\n",
				   path, host);
		if (len >= (int)sizeof(req))
			err = E2BIG;
		else if (write(fd, req, (size_t)len) != len)
			err = errno ? errno : EIO;
		else
			err = read_response(fd, page);
		close(fd);
	}
	in_flight--;
	if (err)
		greenpatch_raise(err);
	return page;
}

struct list {
	char **v;
	size_t n, cap;
};

static void push(struct list *l, char *url)
{
	if (l->n == l->cap && !(l->v = realloc(l->v, (l->cap = l->cap ? 2 * l->cap : 16) * sizeof(*l->v)))) {
		perror("web_crawler");
		exit(1);
	}
	l->v[l->n++] = url;
}

/* The URLs: the arguments, with "-" standing for the lines of stdin. */
static void collect(int argc, char **argv, struct list *urls)
{
	char *line = NULL;
	size_t cap = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-")) {
			push(urls, argv[i]);
			continue;
		}
		while (getline(&line, &cap, stdin) > 0) {
			line[strcspn(line, "\r\n")] = 0;
			if (*line)
				push(urls, strdup(line));
		}
	}
	free(line);
}

int main(int argc, char **argv)
{
	int concurrency = 20, opt;
	while ((opt = getopt(argc, argv, "c:")) != -1) {
		if (opt != 'c' || (concurrency = atoi(optarg)) < 1) {
			fprintf(stderr, "usage: web_crawler [-c CONCURRENCY>=1] URL... (\"-\": URLs from stdin)\n");
			return 2;
		}
	}
	struct list list = { 0 };
	collect(argc - optind, argv + optind, &list);
	char **urls = list.v;
	size_t n = list.n;
	struct page *pages = calloc(n ? n : 1, sizeof(*pages));
	void **inputs = calloc(n ? n : 1, sizeof(*inputs));
	for (size_t i = 0; i < n; i++) {
		pages[i].url = urls[i];
		inputs[i] = &pages[i];
	}
	greenpatch_pool *pool;
	greenpatch_imap *it;
	if (greenpatch_pool_new(&pool, concurrency) < 0 || greenpatch_pool_imap(pool, &it, fetch, inputs, n) < 0) {
		perror("web_crawler");
		return 1;
	}
	long bytes = 0, failed = 0;
	void *r;
	int got;
	for (size_t i = 0; (got = greenpatch_imap_next(it, &r)) != 0; i++) {
		if (got < 0) {
			printf("ERR %s %s\n", strerror(errno), urls[i]);
			failed++;
			continue;
		}
		struct page *p = r;
		printf("%d %ld %s\n", p->status, p->bytes, p->url);
		bytes += p->bytes;
	}
	greenpatch_imap_free(it);
	greenpatch_pool_destroy(pool);
	printf("fetched=%zu failed=%ld bytes=%ld most_at_once=%d\n", n - (size_t)failed, failed, bytes, most_in_flight);
	return failed ? 1 : 0;
}
