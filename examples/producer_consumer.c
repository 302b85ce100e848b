/* Producer and consumers over a bounded Queue: the producer reads stdin (a plain read(), green when
 * linked with -lgreenpatch) and puts each line in a queue of 16; WORKERS consumer green threads
 * take lines and count them, their words and bytes, as wc does. The producer waits whenever the
 * queue is full, the consumers whenever it is empty; a NULL per consumer says "no more".
 *
 *   producer_consumer [WORKERS] < FILE       (prints lines= words= bytes= and each worker's share) */
#include <greenpatch.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct line {
	size_t len;
	char text[];
};

struct totals {
	long lines, words, bytes;
};

static greenpatch_queue *q;

static void count(const struct line *l, struct totals *t)
{
	int in_word = 0;
	for (size_t i = 0; i < l->len; i++) {
		int space = isspace((unsigned char)l->text[i]);
		t->words += !space && !in_word;
		in_word = !space;
	}
	t->bytes += (long)l->len;
	t->lines += l->len && l->text[l->len - 1] == '\n';
}

static void *consumer(void *arg)
{
	struct totals *t = arg;
	void *item;
	while (greenpatch_queue_get(q, &item, 1, -1) == 0 && item) {
		count(item, t);
		free(item);
		greenpatch_sleep(0); /* let the others have a turn, as a real consumer's work would */
	}
	return t;
}

static int put_line(const char *s, size_t len)
{
	struct line *l = malloc(sizeof(*l) + len);
	if (!l)
		return -1;
	l->len = len;
	memcpy(l->text, s, len);
	return greenpatch_queue_put(q, l, 1, -1);
}

/* Read stdin, queue it line by line (a last line without a newline included). */
static int produce(void)
{
	char buf[65536];
	size_t have = 0;
	ssize_t n;
	while ((n = read(0, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)n;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			if (put_line(start, (size_t)(nl + 1 - start)) < 0)
				return -1;
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		memmove(buf, start, have);
		if (have == sizeof(buf)) { /* a line longer than the buffer: queue it in pieces */
			if (put_line(buf, have) < 0)
				return -1;
			have = 0;
		}
	}
	if (n < 0 || (have && put_line(buf, have) < 0))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int workers = argc > 1 ? atoi(argv[1]) : 4;
	if (workers < 1 || workers > 10000) {
		fprintf(stderr, "usage: producer_consumer [WORKERS 1..10000] < FILE\n");
		return 2;
	}
	struct totals *t = calloc((size_t)workers, sizeof(*t));
	greenpatch_thread **c = calloc((size_t)workers, sizeof(*c));
	if (!t || !c || greenpatch_queue_new(&q, 16) < 0)
		return perror("producer_consumer"), 1;
	for (int i = 0; i < workers; i++)
		if (greenpatch_spawn(&c[i], consumer, &t[i]) < 0)
			return perror("spawn"), 1;
	int err = produce() < 0 ? errno : 0;
	for (int i = 0; i < workers; i++)
		greenpatch_queue_put(q, NULL, 1, -1);
	struct totals all = { 0 };
	printf("shares=");
	for (int i = 0; i < workers; i++) {
		greenpatch_wait(c[i], NULL);
		all.lines += t[i].lines, all.words += t[i].words, all.bytes += t[i].bytes;
		printf("%s%ld", i ? "," : "", t[i].lines);
	}
	printf(" lines=%ld words=%ld bytes=%ld\n", all.lines, all.words, all.bytes);
	greenpatch_queue_free(q);
	if (err) {
		fprintf(stderr, "producer_consumer: read: %s\n", strerror(err));
		return 1;
	}
	return 0;
}
