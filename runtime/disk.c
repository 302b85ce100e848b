/* Regular files and block devices: epoll cannot watch them (they are always "ready"), yet a read
 * of uncached data, a synchronous write or one under dirty-page throttling blocks in the kernel.
 * A call first tries the page cache with RWF_NOWAIT (one syscall, as natively, when the data is
 * there); what RWF_NOWAIT cannot do goes to the tpool, which makes the blocking call. A read or
 * write completes as the blocking call would: in full, or short only at the end of the file, so
 * a partial RWF_NOWAIT transfer is finished, not returned.
 *
 * Where the filesystem does not take RWF_NOWAIT for buffered writes (ext4 before 6.x, tmpfs...),
 * a write below 1 MiB to a file opened without O_SYNC/O_DSYNC/O_DIRECT is made directly: it only
 * copies into the page cache, and a thread hop for every log line would cost far more than it
 * could save. Synchronous, direct and large writes go to the tpool. */
#include "rt.h"
#include "sys.h"
#include <limits.h>
#include <string.h>

static size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t n = 0;
	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	return n;
}

/* Drop n bytes from the front of a private copy of the vector. */
static int iov_skip(struct iovec *iov, int cnt, size_t n, struct iovec **first)
{
	int i = 0;
	while (i < cnt && n >= iov[i].iov_len)
		n -= iov[i++].iov_len;
	if (i < cnt) {
		iov[i].iov_base = (char *)iov[i].iov_base + n;
		iov[i].iov_len -= n;
	}
	*first = iov + i;
	return cnt - i;
}

#define DIRECT_WRITE_MAX (1u << 20)

/* -EAGAIN: it would block; -EOPNOTSUPP: the file takes no RWF_NOWAIT (remembered per fd). */
static long nowait(struct gp_fd *f, long nr, int fd, const struct iovec *iov, int cnt, long off)
{
	if (f->no_nowait & (nr == SYS_pwritev2 ? 2 : 1))
		return -EOPNOTSUPP;
	long r = GP_SC(nr, fd, iov, cnt, off, 0, RWF_NOWAIT);
	if (r == -EOPNOTSUPP)
		f->no_nowait |= nr == SYS_pwritev2 ? 2 : 1;
	return r;
}

long gp_disk_rw(int fd, struct gp_fd *f, int write, const struct iovec *iov, int cnt, long off)
{
	long nr = write ? SYS_pwritev2 : SYS_preadv2;
	size_t total = iov_total(iov, cnt);
	long r = nowait(f, nr, fd, iov, cnt, off);
	if (r == -EOPNOTSUPP && write && !f->sync_io && total < DIRECT_WRITE_MAX) {
		gp_busy_call();
		return GP_SC(nr, fd, iov, cnt, off, 0, 0);
	}
	if (r == -EOPNOTSUPP)
		r = -EAGAIN;
	if (r < 0 && r != -EAGAIN)
		return r;
	if (r >= 0 && ((size_t)r >= total || (!write && r == 0))) {
		gp_busy_call();
		return r; /* all of it, or the end of the file */
	}
	if (cnt > IOV_MAX)
		return -EINVAL;
	struct iovec copy[cnt], *rest;
	memcpy(copy, iov, (size_t)cnt * sizeof(*copy));
	long done = r > 0 ? r : 0;
	for (;;) {
		int n = iov_skip(copy, cnt, (size_t)done, &rest);
		long o = off < 0 ? -1 : off + done;
		if (done > 0 && !write && (r = nowait(f, nr, fd, rest, n, o)) != -EAGAIN && r != -EOPNOTSUPP) {
			/* after a short read: the end of the file (0), or more of it cached */
			if (r <= 0)
				return done;
		} else {
			r = gp_tpool_syscall(nr, fd, (long)rest, n, o, 0, 0);
			if (r <= 0)
				return done ? done : r;
		}
		done += r;
		if ((size_t)done >= total)
			return done;
	}
}
