/* Signal dispositions as the program sees them: sigaction's old action reports exactly what the
 * program installed (its handler pointer, flags, mask); signal() returns the previous handler and
 * installs with BSD semantics; SA_RESETHAND runs the handler once then SIG_DFL; SA_SIGINFO gets
 * si_value, si_code, si_pid from sigqueue; SA_NODEFER and sa_mask decide what is blocked in the
 * handler; SA_ONSTACK runs it on the sigaltstack; raise() runs the handler before returning;
 * invalid signals fail with EINVAL; SIGCHLD set to SIG_IGN reaps children itself (waitpid waits
 * for the child, then ECHILD); SIG_IGN and the signal mask survive fork and exec, handlers become
 * SIG_DFL across exec. usage: sig_actions [child] */
#include <sys/wait.h>
#include "watch.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* the kernel's; glibc sets it on every action it installs */
#endif

static volatile int hits, usr2_blocked_inside, usr1_blocked_inside, on_alt;
static volatile int si_code_seen, si_value_seen, si_pid_ours;
static char alt[1 << 16];

static void h1(int sig) { hits++; }
static void h2(int sig) { hits += 10; }
static void hmask(int sig)
{
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	usr1_blocked_inside = sigismember(&cur, SIGUSR1);
	usr2_blocked_inside = sigismember(&cur, SIGUSR2);
	hits++;
}
static void hinfo(int sig, siginfo_t *si, void *uc)
{
	si_code_seen = si->si_code;
	si_value_seen = si->si_value.sival_int;
	si_pid_ours = si->si_pid == getpid();
	hits++;
}
static void halt(int sig)
{
	char here;
	on_alt = &here >= alt && &here < alt + sizeof(alt);
	hits++;
}

static const char *disp(void (*h)(int))
{
	if (h == SIG_DFL)
		return "SIG_DFL";
	if (h == SIG_IGN)
		return "SIG_IGN";
	if (h == h1)
		return "h1";
	if (h == h2)
		return "h2";
	if (h == SIG_ERR)
		return "SIG_ERR";
	return "another function";
}

static const char *flags(int f)
{
	static char out[160];
	int known = SA_RESTART | SA_SIGINFO | SA_RESETHAND | SA_NODEFER | SA_ONSTACK | SA_RESTORER;
	char rest[24] = "";
	if (f & ~known)
		snprintf(rest, sizeof(rest), " %#x", f & ~known);
	snprintf(out, sizeof(out), "%s%s%s%s%s%s%s", f & SA_RESTART ? " SA_RESTART" : "", f & SA_SIGINFO ? " SA_SIGINFO" : "",
		 f & SA_RESETHAND ? " SA_RESETHAND" : "", f & SA_NODEFER ? " SA_NODEFER" : "",
		 f & SA_ONSTACK ? " SA_ONSTACK" : "", f & SA_RESTORER ? " SA_RESTORER" : "", rest);
	return out[0] ? out + 1 : "0";
}

static struct sigaction query(int sig)
{
	struct sigaction old;
	memset(&old, 0x55, sizeof(old));
	CHECK(sigaction(sig, NULL, &old) == 0);
	return old;
}

static void child(void)
{
	struct sigaction u1 = query(SIGUSR1), u2 = query(SIGUSR2);
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	printf("after exec: SIGUSR1 %s, SIGUSR2 %s (was h2), SIGWINCH blocked %d\n", disp(u1.sa_handler),
	       disp(u2.sa_handler), sigismember(&cur, SIGWINCH));
	if (u1.sa_handler == SIG_IGN) {
		raise(SIGUSR1);
		kill(getpid(), SIGUSR1);
		printf("raise and kill of the ignored SIGUSR1: still running\n");
	}
}

int main(int argc, char **argv)
{
	watchdog(20);
	if (argc > 1 && !strcmp(argv[1], "child")) {
		child();
		return 0;
	}
	struct sigaction sa = { .sa_handler = h1, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	struct sigaction old = query(SIGUSR1);
	printf("SIGUSR1 at start: %s flags %s\n", disp(old.sa_handler), flags(old.sa_flags));
	CHECK(sigaction(SIGUSR1, &sa, &old) == 0);
	old = query(SIGUSR1);
	printf("after sigaction(h1, SA_RESTART, mask {USR2}): handler %s, is h1 %d, flags %s, mask has USR2 %d USR1 %d\n",
	       disp(old.sa_handler), old.sa_handler == h1, flags(old.sa_flags), sigismember(&old.sa_mask, SIGUSR2),
	       sigismember(&old.sa_mask, SIGUSR1));
	sa.sa_handler = h2;
	sa.sa_flags = 0;
	struct sigaction prev;
	CHECK(sigaction(SIGUSR1, &sa, &prev) == 0);
	printf("replacing it with h2: the old action returned is %s, flags %s\n", disp(prev.sa_handler), flags(prev.sa_flags));

	void (*r)(int) = signal(SIGUSR1, h1);
	printf("signal(SIGUSR1, h1) returns %s", disp(r));
	r = signal(SIGUSR1, SIG_IGN);
	printf(", signal(SIGUSR1, SIG_IGN) returns %s", disp(r));
	r = signal(SIGUSR1, SIG_DFL);
	printf(", signal(SIGUSR1, SIG_DFL) returns %s\n", disp(r));
	signal(SIGUSR1, h1);
	old = query(SIGUSR1);
	printf("after signal(h1): flags %s, mask has USR1 %d\n", flags(old.sa_flags), sigismember(&old.sa_mask, SIGUSR1));
	errno = 0;
	r = signal(SIGKILL, h1);
	printf("signal(SIGKILL) -> %s %s", disp(r), errname(errno));
	const char *s = res(sigaction(SIGSTOP, &sa, NULL));
	printf(", sigaction(SIGSTOP) -> %s", s);
	s = res(sigaction(0, &sa, NULL));
	printf(", sigaction(0) -> %s", s);
	s = res(sigaction(65, &sa, NULL));
	printf(", sigaction(65) -> %s", s);
	s = res(sigaction(SIGKILL, NULL, &old));
	printf(", query SIGKILL -> %s %s\n", s, disp(old.sa_handler));

	hits = 0;
	CHECK(raise(SIGUSR1) == 0);
	printf("raise(SIGUSR1) with h1: handled before raise returned %d\n", hits);

	sa = (struct sigaction){ .sa_handler = h1, .sa_flags = SA_RESETHAND };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGWINCH, &sa, NULL) == 0);
	hits = 0;
	raise(SIGWINCH);
	old = query(SIGWINCH);
	printf("SA_RESETHAND on SIGWINCH: ran %d, then %s flags %s", hits, disp(old.sa_handler), flags(old.sa_flags));
	raise(SIGWINCH); /* default for SIGWINCH: ignored */
	printf(", raised again: ran %d\n", hits);

	sa = (struct sigaction){ .sa_sigaction = hinfo, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
	hits = 0;
	CHECK(sigqueue(getpid(), SIGUSR2, (union sigval){ .sival_int = 99 }) == 0);
	for (int i = 0; i < 100 && !hits; i++)
		usleep(1000);
	old = query(SIGUSR2);
	printf("SA_SIGINFO, sigqueue(getpid(), SIGUSR2, 99): ran %d, si_code %d, si_value %d, si_pid ours %d; query: "
	       "sa_sigaction is ours %d, flags %s\n",
	       hits, si_code_seen, si_value_seen, si_pid_ours, old.sa_sigaction == hinfo, flags(old.sa_flags));

	sa = (struct sigaction){ .sa_handler = hmask, .sa_flags = 0 };
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	raise(SIGUSR1);
	printf("in the handler: USR1 blocked %d, USR2 (sa_mask) blocked %d", usr1_blocked_inside, usr2_blocked_inside);
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	raise(SIGUSR1);
	printf("; with SA_NODEFER: USR1 blocked %d, USR2 blocked %d\n", usr1_blocked_inside, usr2_blocked_inside);

	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
	CHECK(sigaltstack(&ss, NULL) == 0);
	sa = (struct sigaction){ .sa_handler = halt, .sa_flags = SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	raise(SIGUSR1);
	printf("SA_ONSTACK with a sigaltstack: ran on the alternate stack %d", on_alt);
	sa.sa_flags = 0;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	raise(SIGUSR1);
	printf(", without SA_ONSTACK %d\n", on_alt);
	ss.ss_flags = SS_DISABLE;
	CHECK(sigaltstack(&ss, NULL) == 0);

	/* SIGCHLD ignored: the kernel reaps the child; waitpid waits for it, then ECHILD. */
	signal(SIGCHLD, SIG_IGN);
	pid_t kid = fork();
	CHECK(kid >= 0);
	if (kid == 0) {
		usleep(200000);
		_exit(3);
	}
	double t0 = now_ms();
	int st;
	s = res(waitpid(kid, &st, 0));
	printf("SIGCHLD SIG_IGN, a child exiting at 200 ms: waitpid -> %s, after the exit %d\n", s, now_ms() - t0 >= 150);
	signal(SIGCHLD, SIG_DFL);

	/* What fork and exec keep. */
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, h2);
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGWINCH);
	CHECK(pthread_sigmask(SIG_BLOCK, &w, NULL) == 0);
	kid = fork();
	CHECK(kid >= 0);
	if (kid == 0) {
		struct sigaction u1 = query(SIGUSR1), u2 = query(SIGUSR2);
		printf("after fork: SIGUSR1 %s, SIGUSR2 %s\n", disp(u1.sa_handler), disp(u2.sa_handler));
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(kid, &st, 0) == kid);
	printf("the child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
