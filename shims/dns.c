/* The socket module, name lookups: the resolver and NSS make their own blocking calls inside the
 * C library, past the preload, so each lookup runs on the tpool with the real function: full
 * nsswitch.conf, resolv.conf and /etc/hosts behaviour, errno and h_errno carried back. Alone on
 * its hub, a caller makes the real call itself. The non-reentrant forms return the C library's
 * static buffers, as natively (they are process-wide, not per thread, in glibc). */
#include "shim.h"
#include <arpa/inet.h>
#include <netdb.h>

static int green_lookup(void)
{
	return gp_on(GP_M_SOCKET) && !gp_alone() && !gp_tpool_in_worker();
}

/* A string the resolver takes without asking anyone: an address, a port number, or none. */
static int numeric(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	if (!s)
		return 1;
	if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return 1;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

#define A(i, type) ((type)j->a[i])
#define JOB(name, ...) \
	struct gp_job j = { .fn = name##_job, .a = { __VA_ARGS__ }, .carry = GP_JOB_ERRNO | GP_JOB_H_ERRNO }

static long getaddrinfo_job(struct gp_job *j)
{
	return REAL(getaddrinfo)(A(0, const char *), A(1, const char *), A(2, const struct addrinfo *),
				 A(3, struct addrinfo **));
}

SHIM int getaddrinfo(const char *node, const char *svc, const struct addrinfo *hints, struct addrinfo **res)
{
	if (!green_lookup() || (numeric(node) && numeric(svc))) /* nothing to look up: no wait */
		return REAL(getaddrinfo)(node, svc, hints, res);
	JOB(getaddrinfo, (long)node, (long)svc, (long)hints, (long)res);
	return (int)gp_tpool_run(&j);
}

static long getnameinfo_job(struct gp_job *j)
{
	return REAL(getnameinfo)(A(0, const struct sockaddr *), A(1, socklen_t), A(2, char *), A(3, socklen_t),
				 A(4, char *), A(5, socklen_t), A(6, int));
}

SHIM int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen, char *serv,
		     socklen_t servlen, int flags)
{
	if (!green_lookup())
		return REAL(getnameinfo)(sa, salen, host, hostlen, serv, servlen, flags);
	JOB(getnameinfo, (long)sa, salen, (long)host, hostlen, (long)serv, servlen, flags);
	return (int)gp_tpool_run(&j);
}

static long gethostbyname_job(struct gp_job *j)
{
	return (long)REAL(gethostbyname)(A(0, const char *));
}

SHIM struct hostent *gethostbyname(const char *name)
{
	if (!green_lookup())
		return REAL(gethostbyname)(name);
	JOB(gethostbyname, (long)name);
	return (struct hostent *)gp_tpool_run(&j);
}

static long gethostbyname2_job(struct gp_job *j)
{
	return (long)REAL(gethostbyname2)(A(0, const char *), A(1, int));
}

SHIM struct hostent *gethostbyname2(const char *name, int af)
{
	if (!green_lookup())
		return REAL(gethostbyname2)(name, af);
	JOB(gethostbyname2, (long)name, af);
	return (struct hostent *)gp_tpool_run(&j);
}

static long gethostbyaddr_job(struct gp_job *j)
{
	return (long)REAL(gethostbyaddr)(A(0, const void *), A(1, socklen_t), A(2, int));
}

SHIM struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type)
{
	if (!green_lookup())
		return REAL(gethostbyaddr)(addr, len, type);
	JOB(gethostbyaddr, (long)addr, len, type);
	return (struct hostent *)gp_tpool_run(&j);
}

static long gethostbyname_r_job(struct gp_job *j)
{
	return REAL(gethostbyname_r)(A(0, const char *), A(1, struct hostent *), A(2, char *), A(3, size_t),
				     A(4, struct hostent **), A(5, int *));
}

SHIM int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t len, struct hostent **result,
			 int *err)
{
	if (!green_lookup())
		return REAL(gethostbyname_r)(name, ret, buf, len, result, err);
	JOB(gethostbyname_r, (long)name, (long)ret, (long)buf, (long)len, (long)result, (long)err);
	return (int)gp_tpool_run(&j);
}

static long gethostbyname2_r_job(struct gp_job *j)
{
	return REAL(gethostbyname2_r)(A(0, const char *), A(1, int), A(2, struct hostent *), A(3, char *),
				      A(4, size_t), A(5, struct hostent **), A(6, int *));
}

SHIM int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t len,
			  struct hostent **result, int *err)
{
	if (!green_lookup())
		return REAL(gethostbyname2_r)(name, af, ret, buf, len, result, err);
	JOB(gethostbyname2_r, (long)name, af, (long)ret, (long)buf, (long)len, (long)result, (long)err);
	return (int)gp_tpool_run(&j);
}

static long gethostbyaddr_r_job(struct gp_job *j)
{
	return REAL(gethostbyaddr_r)(A(0, const void *), A(1, socklen_t), A(2, int), A(3, struct hostent *),
				     A(4, char *), A(5, size_t), A(6, struct hostent **), A(7, int *));
}

SHIM int gethostbyaddr_r(const void *addr, socklen_t alen, int type, struct hostent *ret, char *buf, size_t len,
			 struct hostent **result, int *err)
{
	if (!green_lookup())
		return REAL(gethostbyaddr_r)(addr, alen, type, ret, buf, len, result, err);
	JOB(gethostbyaddr_r, (long)addr, alen, type, (long)ret, (long)buf, (long)len, (long)result, (long)err);
	return (int)gp_tpool_run(&j);
}
