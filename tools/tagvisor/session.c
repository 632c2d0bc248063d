/* SPDX-License-Identifier: MIT */
/*
 * A run of one machine (session.h). Everything QEMU does reaches us over three
 * sockets, served from one poll loop here, so that a slow reader of one never
 * stalls the others and a signal is handled whatever is happening.
 */
#define _GNU_SOURCE
#include "session.h"

#include "net.h"
#include "outq.h"

#include <abi/link.h>
#include <abi/status.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <lib/snapshot.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LINK_QUEUE_HIGH (1u << 20) /* stop feeding the host beyond this much queued */
#define PEER_QUEUE_HIGH (4u << 20) /* stop taking the host's stream beyond this much queued */
#define DRAIN_MS 2000
#define MIN_WINDOW_BYTES 65536u  /* a migration source sends at least this per peer_timeout */              /* how long to collect the last output after QEMU ended */

/* ---- signals: a self-pipe, read by every poll loop ---- */

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_last;

static void on_signal(int sig)
{
	int saved = errno;

	if (sig != SIGCHLD) {
		sig_last = sig;
	}
	if (write(sig_pipe[1], "", 1) < 0) {
		/* full: a wakeup is pending anyway */
	}
	errno = saved;
}

void signals_init(void)
{
	struct sigaction sa;

	if (sig_pipe[0] >= 0) {
		return;
	}
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK)) {
		perror("tagvisor: pipe");
		exit(TV_STATUS_HYP_ERROR);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int signal_fd(void)
{
	return sig_pipe[0];
}

int signal_taken(void)
{
	char buf[64];

	while (read(sig_pipe[0], buf, sizeof(buf)) > 0) {
	}
	return sig_last;
}

int signal_status(int sig)
{
	switch (sig) {
	case SIGINT:
		return TV_STATUS_SIGINT;
	case SIGHUP:
		return TV_STATUS_SIGHUP;
	default:
		return TV_STATUS_SIGTERM;
	}
}

/* ---- the session ---- */

struct line_buf {
	char text[4096];
	size_t len;
};

struct sess {
	struct session_cfg *c;
	pid_t qemu;
	struct machine_fds fds;
	bool qemu_done;
	int qemu_wstatus;
	bool have_status;
	int status;
	bool hello;

	/* The link: messages from the host are collected whole, then handled. */
	uint8_t *rx;
	size_t rx_len;
	bool link_eof, console_eof, log_eof;
	struct line_buf log_line, host_line; /* unfinished lines of the two consoles on stderr */
	struct outq to_link, to_console, to_peer;

	/* Our stdin, the guests' console input. */
	int in_fd;
	bool in_open;
	struct termios tty;
	bool tty_saved;

	/* An outgoing stream: a snapshot file being written, or a migration peer. */
	uint32_t out_kind;
	bool out_open;
	int snap_fd;
	int snap_err; /* the first errno of writing it */
	char snap_tmp[PATH_MAX];

	/* The migration peer (either end). */
	int peer, listen_fd;
	bool peer_failed;     /* the connection broke while sending */
	bool awaiting_verdict; /* the source waits for the destination's line */
	bool verdict_ready;    /* the line is here (maybe before the stream's end) */
	char verdict[256];
	size_t verdict_len;
	struct timespec peer_deadline;
	bool feeding_peer; /* destination: the peer's bytes go to the host */
	uint64_t window_bytes; /* what it sent since peer_deadline was last set */
	bool verdict_sent;

	/* A file being restored. */
	int restore_fd;
	bool restore_done;

	uint64_t stream_bytes;
	struct timespec stream_start, last_progress;
};

static struct timespec now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

static double seconds_since(struct timespec t)
{
	struct timespec n = now();

	return (double)(n.tv_sec - t.tv_sec) + (double)(n.tv_nsec - t.tv_nsec) / 1e9;
}

static struct timespec after(unsigned seconds)
{
	struct timespec t = now();

	t.tv_sec += seconds;
	return t;
}

static bool passed(struct timespec t)
{
	struct timespec n = now();

	return n.tv_sec > t.tv_sec || (n.tv_sec == t.tv_sec && n.tv_nsec >= t.tv_nsec);
}

void session_defaults(struct session_cfg *c, struct machine *m)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->incoming_listen = -1;
	c->incoming_fd = -1;
	c->migrate_fd = -1;
	c->peer_timeout = 30;
}

/* ---- messages to the host ---- */

static void link_msg(struct sess *s, uint32_t type, const void *a, size_t alen, const void *b,
		     size_t blen)
{
	struct tv_link_hdr h = { type, (uint32_t)(alen + blen) };

	outq_push(&s->to_link, &h, sizeof(h));
	outq_push(&s->to_link, a, alen);
	outq_push(&s->to_link, b, blen);
}

static void link_result(struct sess *s, uint32_t type, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void link_result(struct sess *s, uint32_t type, int err, const char *fmt, ...)
{
	char text[512];
	int32_t e = err;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	link_msg(s, type, &e, sizeof(e), text, n < 0 ? 0 : MIN((size_t)n, sizeof(text) - 1));
}

/* ---- snapshot files: a temporary file beside the target, renamed when whole ---- */

int stdio_read(void *ctx, void *buf, size_t len)
{
	return fread(buf, 1, len, ctx) == len ? 0 : -1;
}

/* Reads the whole stream back as a restore would. 0, or -1 with why set. */
static int verify_file(const char *path, char *why, size_t cap)
{
	static uint8_t payload[TV_SNAP_MAX_PAYLOAD];
	FILE *f = fopen(path, "rb");
	struct snap_reader r = { .read = stdio_read };
	uint32_t len;
	int t = 0;

	if (!f) {
		snprintf(why, cap, "%s", strerror(errno));
		return -1;
	}
	r.ctx = f;
	if (snap_read_header(&r) == 0) {
		while ((t = snap_read_record(&r, payload, &len)) > 0) {
		}
	}
	fclose(f);
	if (r.error[0] || t < 0) {
		snprintf(why, cap, "%s", r.error[0] ? r.error : "unreadable");
		return -1;
	}
	return 0;
}

static void snap_discard(struct sess *s)
{
	if (s->snap_fd >= 0) {
		close(s->snap_fd);
		s->snap_fd = -1;
	}
	if (s->snap_tmp[0]) {
		unlink(s->snap_tmp);
		s->snap_tmp[0] = '\0';
	}
}

static void snap_begin(struct sess *s)
{
	char dir[PATH_MAX], base[PATH_MAX];

	if (!s->c->snapshot_path) {
		link_result(s, TV_LINK_RESULT, EINVAL, "no --snapshot file was given");
		return;
	}
	snprintf(dir, sizeof(dir), "%s", s->c->snapshot_path);
	snprintf(base, sizeof(base), "%s", s->c->snapshot_path);
	snprintf(s->snap_tmp, sizeof(s->snap_tmp), "%s/.%s.XXXXXX", dirname(dir), basename(base));
	s->snap_fd = mkostemp(s->snap_tmp, O_CLOEXEC);
	if (s->snap_fd < 0) {
		int err = errno;

		s->snap_tmp[0] = '\0';
		link_result(s, TV_LINK_RESULT, err, "cannot create a file beside %s: %s",
			    s->c->snapshot_path, strerror(err));
		return;
	}
	/* As any file we create: mkstemp's 0600, widened by the umask's rules. */
	mode_t mask = umask(0);

	umask(mask);
	fchmod(s->snap_fd, 0666 & ~mask);
	s->snap_err = 0;
	s->out_open = true;
	s->stream_bytes = 0;
	s->stream_start = s->last_progress = now();
	link_result(s, TV_LINK_RESULT, 0, "writing %s", s->c->snapshot_path);
}

static void snap_write(struct sess *s, const uint8_t *p, size_t len)
{
	while (len && !s->snap_err) {
		ssize_t n = write(s->snap_fd, p, len);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			s->snap_err = n < 0 ? errno : EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
}

static void snap_end(struct sess *s)
{
	char why[256];
	const char *path = s->c->snapshot_path;

	if (!s->snap_err && fsync(s->snap_fd)) {
		s->snap_err = errno;
	}
	if (close(s->snap_fd) && !s->snap_err) {
		s->snap_err = errno;
	}
	s->snap_fd = -1;
	if (s->snap_err) {
		link_result(s, TV_LINK_RESULT, s->snap_err, "cannot write %s: %s", path,
			    strerror(s->snap_err));
	} else if (verify_file(s->snap_tmp, why, sizeof(why))) {
		link_result(s, TV_LINK_RESULT, EBADMSG, "%s: the stream written is corrupt: %s", path,
			    why);
	} else if (rename(s->snap_tmp, path)) {
		int err = errno;

		link_result(s, TV_LINK_RESULT, err, "cannot rename to %s: %s", path, strerror(err));
	} else {
		s->snap_tmp[0] = '\0';
		fprintf(stderr, "tagvisor: snapshot saved to %s\n", path);
		link_result(s, TV_LINK_RESULT, 0, "saved to %s", path);
		return;
	}
	snap_discard(s);
}

/* ---- the migration peer ---- */

static void peer_close(struct sess *s)
{
	if (s->peer >= 0) {
		close(s->peer);
		s->peer = -1;
	}
	outq_clear(&s->to_peer);
}

static void mig_begin(struct sess *s)
{
	char why[256];

	if (s->peer < 0 && s->c->migrate_to) {
		s->peer = net_connect(s->c->migrate_to, 5, why, sizeof(why));
		if (s->peer < 0) {
			link_result(s, TV_LINK_RESULT, ECONNREFUSED, "%s", why);
			return;
		}
	}
	if (s->peer < 0) {
		link_result(s, TV_LINK_RESULT, EINVAL, "no --migrate-to destination was given");
		return;
	}
	s->out_open = true;
	s->peer_failed = false;
	s->verdict_ready = false;
	s->verdict_len = 0;
	s->stream_bytes = 0;
	s->stream_start = s->last_progress = now();
	link_result(s, TV_LINK_RESULT, 0, "sending to the destination");
}

/* How a stream is going: what moved, how fast (each second when stderr is a terminal). */
static void progress(struct sess *s, bool last)
{
	double t = seconds_since(s->stream_start), mib = (double)s->stream_bytes / (1 << 20);
	const char *what = s->out_open && s->out_kind == TV_LINK_STREAM_SNAPSHOT ? "saving"
			   : s->c->restore_path				     ? "restoring"
			   : s->c->incoming_listen >= 0 || s->c->incoming_fd >= 0 ? "receiving"
										    : "migration";

	if (!s->c->progress && !last) {
		return;
	}
	fprintf(stderr, "tagvisor: %s: %.1f MiB %s in %.1f s (%.1f MiB/s)%s\n", what, mib,
		!strcmp(what, "migration") ? "sent" : "so far", t, t > 0 ? mib / t : 0.0,
		last ? ", done" : "");
}

/* Source: answers the host from the destination's line, "OK" or "ERR why". */
static void answer_verdict(struct sess *s)
{
	s->awaiting_verdict = false;
	if (!strcmp(s->verdict, "OK")) {
		link_result(s, TV_LINK_RESULT, 0, "the destination took the guest");
	} else {
		link_result(s, TV_LINK_RESULT, ECONNABORTED, "the destination refused the stream: %s",
			    strncmp(s->verdict, "ERR ", 4) ? s->verdict : s->verdict + 4);
	}
	peer_close(s);
}

static void mig_end(struct sess *s)
{
	progress(s, true);
	if (s->verdict_ready) {
		answer_verdict(s); /* it came early: the destination refused mid-stream */
	} else if (s->peer_failed || s->peer < 0) {
		link_result(s, TV_LINK_RESULT, EPIPE,
			    "the connection to the destination broke during the migration");
		peer_close(s);
	} else {
		s->awaiting_verdict = true;
		s->peer_deadline = after(s->c->peer_timeout);
	}
}

/*
 * Source: what the destination sends back, a line, which may come before the end
 * (a destination that refuses the stream says so as soon as it knows).
 */
static void read_verdict(struct sess *s)
{
	ssize_t n = read(s->peer, s->verdict + s->verdict_len, sizeof(s->verdict) - 1 - s->verdict_len);
	char *nl;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		if (s->awaiting_verdict) {
			s->awaiting_verdict = false;
			link_result(s, TV_LINK_RESULT, ECONNRESET,
				    "the destination closed the connection without answering (it "
				    "failed or died)");
		} else {
			s->peer_failed = true;
		}
		peer_close(s);
		return;
	}
	if (n < 0) {
		return;
	}
	s->verdict_len += (size_t)n;
	s->verdict[s->verdict_len] = '\0';
	nl = strchr(s->verdict, '\n');
	if (!nl && s->verdict_len < sizeof(s->verdict) - 1) {
		return;
	}
	if (nl) {
		*nl = '\0';
	}
	s->verdict_ready = true;
	outq_clear(&s->to_peer); /* whatever it said, it takes no more of the stream */
	if (s->awaiting_verdict) {
		answer_verdict(s);
	}
}

/* Destination: the host's verdict on what the peer sent goes back to it. */
static void send_verdict(struct sess *s, const uint8_t *p, uint32_t len)
{
	int32_t err;
	char line[300];
	int n;

	if (len < 4 || s->peer < 0 || s->verdict_sent) {
		return;
	}
	memcpy(&err, p, 4);
	if (err) {
		n = snprintf(line, sizeof(line), "ERR %.*s\n", (int)MIN(len - 4, 256u),
			     (const char *)p + 4);
	} else {
		n = snprintf(line, sizeof(line), "OK\n");
	}
	outq_push(&s->to_peer, line, (size_t)n);
	s->verdict_sent = true;
	s->feeding_peer = false;
}

/* Destination: the stream is over (error, or the peer is gone) before the host said so. */
static void end_incoming(struct sess *s, int err, const char *why)
{
	if (s->feeding_peer) {
		link_result(s, TV_LINK_IN_END, err, "%s", why);
		s->feeding_peer = false;
	}
	peer_close(s);
}

/* Writes everything, or gives up when the fd is gone (our stdout closed). */
static void write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			return;
		}
		p += w;
		len -= (size_t)w;
	}
}

/* ---- messages from the host ---- */

static void handle_msg(struct sess *s, uint32_t type, const uint8_t *p, uint32_t len)
{
	uint32_t v = 0;

	if (len >= 4) {
		memcpy(&v, p, 4);
	}
	switch (type) {
	case TV_LINK_HELLO:
		s->hello = true;
		s->stream_start = s->last_progress = now();
		if (s->peer >= 0 && (s->c->incoming_listen >= 0 || s->c->incoming_fd >= 0)) {
			s->feeding_peer = true;
		}
		break;
	case TV_LINK_STATUS:
		s->have_status = true;
		s->status = (int)v;
		break;
	case TV_LINK_OUT_BEGIN:
		if (s->out_open) {
			link_result(s, TV_LINK_RESULT, EBUSY, "a stream is already open");
		} else if (v == TV_LINK_STREAM_SNAPSHOT) {
			s->out_kind = v;
			snap_begin(s);
		} else if (v == TV_LINK_STREAM_MIGRATION) {
			s->out_kind = v;
			mig_begin(s);
		} else {
			link_result(s, TV_LINK_RESULT, EINVAL, "unknown stream kind %u", v);
		}
		break;
	case TV_LINK_OUT_DATA:
		if (!s->out_open) {
			break;
		}
		s->stream_bytes += len;
		if (s->out_kind == TV_LINK_STREAM_SNAPSHOT) {
			snap_write(s, p, len);
		} else if (!s->peer_failed && !s->verdict_ready) {
			outq_push(&s->to_peer, p, len);
		}
		break;
	case TV_LINK_OUT_END:
		if (!s->out_open) {
			link_result(s, TV_LINK_RESULT, EINVAL, "no stream is open");
			break;
		}
		s->out_open = false;
		if (s->out_kind == TV_LINK_STREAM_SNAPSHOT) {
			snap_end(s);
		} else {
			mig_end(s);
		}
		break;
	case TV_LINK_OUT_ABORT:
		if (s->out_open) {
			s->out_open = false;
			if (s->out_kind == TV_LINK_STREAM_SNAPSHOT) {
				snap_discard(s);
			} else {
				peer_close(s); /* the destination sees the stream break off */
			}
		}
		break;
	case TV_LINK_VERDICT:
		send_verdict(s, p, len);
		break;
	case TV_LINK_CONSOLE:
		write_all(STDOUT_FILENO, p, len);
		break;
	default:
		fprintf(stderr, "tagvisor: the host sent an unknown message %u\n", type);
		break;
	}
}

static void read_link(struct sess *s)
{
	struct tv_link_hdr *h = (struct tv_link_hdr *)(void *)s->rx;

	for (;;) {
		size_t want = sizeof(*h);
		ssize_t n;

		if (s->rx_len >= sizeof(*h)) {
			if (h->len > TV_LINK_MAX_PAYLOAD) {
				fprintf(stderr, "tagvisor: the host broke the link protocol\n");
				s->link_eof = true;
				return;
			}
			want += h->len;
			if (s->rx_len == want) {
				handle_msg(s, h->type, s->rx + sizeof(*h), h->len);
				s->rx_len = 0;
				continue;
			}
		}
		n = read(s->fds.link, s->rx + s->rx_len, want - s->rx_len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			s->link_eof = true;
			return;
		}
		if (n < 0) {
			return;
		}
		s->rx_len += (size_t)n;
	}
}

/* ---- the restore file and the incoming peer, fed to the host ---- */

static void feed_restore(struct sess *s)
{
	static uint8_t buf[TV_LINK_MAX_PAYLOAD];

	while (!s->restore_done && outq_len(&s->to_link) < LINK_QUEUE_HIGH) {
		ssize_t n = read(s->restore_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n > 0) {
			link_msg(s, TV_LINK_IN_DATA, buf, (size_t)n, NULL, 0);
			s->stream_bytes += (uint64_t)n;
			continue;
		}
		s->restore_done = true;
		if (n < 0) {
			link_result(s, TV_LINK_IN_END, errno, "cannot read %s: %s", s->c->restore_path,
				    strerror(errno));
		} else {
			link_result(s, TV_LINK_IN_END, 0, "end of %s", s->c->restore_path);
		}
		close(s->restore_fd);
		s->restore_fd = -1;
	}
}

static void read_peer(struct sess *s)
{
	uint8_t buf[TV_LINK_MAX_PAYLOAD];
	ssize_t n;

	if (s->out_kind == TV_LINK_STREAM_MIGRATION && (s->out_open || s->awaiting_verdict)) {
		read_verdict(s);
		return;
	}
	if (!s->feeding_peer) {
		return;
	}
	n = read(s->peer, buf, sizeof(buf));
	if (n > 0) {
		link_msg(s, TV_LINK_IN_DATA, buf, (size_t)n, NULL, 0);
		s->window_bytes += (uint64_t)n;
		s->stream_bytes += (uint64_t)n;
		if (s->c->die_after && s->stream_bytes >= s->c->die_after) {
			/* A destination machine that dies mid-stream: no goodbye, no cleanup. */
			fprintf(stderr, "tagvisor: dying after %llu bytes of the stream (testing)\n",
				(unsigned long long)s->stream_bytes);
			kill(-s->qemu, SIGKILL);
			_exit(TV_STATUS_HYP_ERROR);
		}
	} else if (n == 0) {
		end_incoming(s, ECONNRESET, "the source closed the connection in the middle of the stream");
	} else if (errno != EAGAIN && errno != EINTR) {
		char why[128];

		snprintf(why, sizeof(why), "the connection from the source broke: %s", strerror(errno));
		end_incoming(s, errno, why);
	}
}

static void accept_peer(struct sess *s)
{
	char who[128];
	int fd = net_accept(s->listen_fd, who, sizeof(who));

	if (fd < 0) {
		return;
	}
	/* One migration per destination: the listening socket is done with. */
	close(s->listen_fd);
	s->listen_fd = -1;
	s->peer = fd;
	s->peer_deadline = after(s->c->peer_timeout);
	fprintf(stderr, "tagvisor: incoming migration from %s\n", who);
	if (s->hello) {
		s->feeding_peer = true;
	}
}

/* ---- the terminal ---- */

static void tty_setup(struct sess *s)
{
	struct termios t;

	if (s->c->m->stdin_path || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &s->tty)) {
		return;
	}
	s->tty_saved = true;
	t = s->tty;
	/* Keys go to the guest as typed; Ctrl-C stays a signal (to us, not to QEMU). */
	t.c_lflag &= ~(tcflag_t)(ECHO | ICANON | ECHONL | IEXTEN);
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static void tty_restore(struct sess *s)
{
	if (s->tty_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &s->tty);
		s->tty_saved = false;
	}
}

/* ---- the loop ---- */

static void copy_out(int from, int to, bool *eof)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		*eof = true;
		return;
	}
	for (ssize_t off = 0; n > 0 && off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w < 0 && errno == EINTR) {
			continue;
		}
		if (w <= 0) {
			break; /* our own stdout is gone: nothing to do about it */
		}
		off += w;
	}
}

/*
 * The hypervisor's console (and a Linux host's own), a line at a time: two machines of
 * a migration, or the hypervisor and a Linux host, share our stderr, and whole lines
 * written at once do not interleave.
 */
static void copy_lines(int fd, struct line_buf *l, bool *eof)
{
	char *nl;
	ssize_t n;

	if (l->len == sizeof(l->text)) {
		l->text[l->len - 1] = '\n'; /* an endless line: cut it */
	}
	n = read(fd, l->text + l->len, sizeof(l->text) - l->len);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		*eof = true;
	}
	if (n > 0) {
		l->len += (size_t)n;
	}
	while ((nl = memchr(l->text, '\n', l->len)) != NULL) {
		size_t line = (size_t)(nl - l->text) + 1;

		write_all(STDERR_FILENO, l->text, line);
		memmove(l->text, l->text + line, l->len - line);
		l->len -= line;
	}
	if (*eof && l->len) {
		write_all(STDERR_FILENO, l->text, l->len);
		l->len = 0;
	}
}

static void read_stdin(struct sess *s)
{
	char buf[4096];
	ssize_t n = read(s->in_fd, buf, sizeof(buf));

	if (n > 0) {
		outq_push(&s->to_console, buf, (size_t)n);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		s->in_open = false;
	}
}

static void kill_qemu(struct sess *s)
{
	if (!s->qemu_done) {
		kill(-s->qemu, SIGKILL);
		kill(s->qemu, SIGKILL);
		/* Reaped before we go: a signal (SIGCHLD is one) must not cut the wait short. */
		while (waitpid(s->qemu, &s->qemu_wstatus, 0) < 0 && errno == EINTR) {
		}
		s->qemu_done = true;
	}
}

static void cleanup(struct sess *s)
{
	kill_qemu(s);
	snap_discard(s);
	peer_close(s);
	tty_restore(s);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
	}
	if (s->restore_fd >= 0) {
		close(s->restore_fd);
	}
	if (s->in_fd > STDIN_FILENO) {
		close(s->in_fd);
	}
	close(s->fds.console);
	if (s->fds.log >= 0) {
		close(s->fds.log);
		close(s->fds.link);
	}
	outq_free(&s->to_link);
	outq_free(&s->to_console);
	outq_free(&s->to_peer);
	free(s->rx);
}

static int final_status(struct sess *s)
{
	if (s->c->m->bare_guest) {
		return WIFEXITED(s->qemu_wstatus) ? WEXITSTATUS(s->qemu_wstatus) : TV_STATUS_HYP_ERROR;
	}
	if (s->have_status) {
		return s->status;
	}
	if (WIFSIGNALED(s->qemu_wstatus)) {
		fprintf(stderr, "tagvisor: QEMU was killed by signal %d\n", WTERMSIG(s->qemu_wstatus));
		return TV_STATUS_QEMU;
	}
	if (WEXITSTATUS(s->qemu_wstatus)) {
		/* QEMU's own failure: it said why on our stderr. */
		fprintf(stderr, "tagvisor: QEMU failed (exit status %d)\n", WEXITSTATUS(s->qemu_wstatus));
		return TV_STATUS_QEMU;
	}
	fprintf(stderr, "tagvisor: the machine stopped without saying how the run ended (a "
			"hypervisor or host failure)\n");
	return TV_STATUS_HYP_ERROR;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int session_run(struct session_cfg *c)
{
	struct sess s = { .c = c, .snap_fd = -1, .peer = -1, .listen_fd = -1, .restore_fd = -1 };
	struct timespec deadline = after(c->m->timeout), drain_until = { 0, 0 };
	int ret;

	signals_init();
	if (qemu_check_version()) {
		return TV_STATUS_QEMU;
	}
	s.rx = malloc(sizeof(struct tv_link_hdr) + TV_LINK_MAX_PAYLOAD);
	if (!s.rx) {
		return TV_STATUS_HYP_ERROR;
	}
	if (c->restore_path) {
		s.restore_fd = open(c->restore_path, O_RDONLY | O_CLOEXEC);
		if (s.restore_fd < 0) {
			fprintf(stderr, "tagvisor: cannot read '%s': %s\n", c->restore_path, strerror(errno));
			free(s.rx);
			return TV_STATUS_BAD_INPUT;
		}
	}
	s.in_fd = c->m->stdin_path ? open(c->m->stdin_path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	s.in_open = s.in_fd >= 0;
	s.peer = c->incoming_fd >= 0 ? c->incoming_fd : c->migrate_fd;
	s.listen_fd = c->incoming_listen;
	if (c->incoming_fd >= 0) {
		s.peer_deadline = after(c->peer_timeout);
	}
	if (s.peer >= 0) {
		set_nonblock(s.peer);
	}
	s.qemu = machine_spawn(c->m, &s.fds);
	if (s.qemu < 0) {
		s.qemu_done = true;
		s.fds = (struct machine_fds){ -1, -1, -1 };
		ret = TV_STATUS_QEMU;
		goto out;
	}
	if (c->m->bare_guest) {
		close(s.fds.log);
		close(s.fds.link);
		s.fds.log = s.fds.link = -1;
		s.log_eof = s.link_eof = true;
	} else {
		set_nonblock(s.fds.log);
		set_nonblock(s.fds.link);
	}
	set_nonblock(s.fds.console);
	tty_setup(&s);

	for (;;) {
		struct pollfd p[8];
		int np = 0, i_sig, i_con, i_log = -1, i_link = -1, i_in = -1, i_peer = -1, i_lis = -1;

		i_sig = np;
		p[np++] = (struct pollfd){ signal_fd(), POLLIN, 0 };
		i_con = np;
		p[np++] = (struct pollfd){ s.console_eof ? -1 : s.fds.console,
					  (short)(POLLIN | (outq_len(&s.to_console) ? POLLOUT : 0)), 0 };
		if (!s.log_eof) {
			i_log = np;
			p[np++] = (struct pollfd){ s.fds.log, POLLIN, 0 };
		}
		if (!s.link_eof) {
			bool backpressure = outq_len(&s.to_peer) > PEER_QUEUE_HIGH;

			i_link = np;
			p[np++] = (struct pollfd){ s.fds.link,
						  (short)((backpressure ? 0 : POLLIN) |
							  (outq_len(&s.to_link) ? POLLOUT : 0)),
						  0 };
		}
		if (s.in_open && !s.qemu_done && outq_len(&s.to_console) < 65536) {
			i_in = np;
			p[np++] = (struct pollfd){ s.in_fd, POLLIN, 0 };
		}
		if (s.peer >= 0) {
			bool source = s.out_kind == TV_LINK_STREAM_MIGRATION &&
				      (s.out_open || s.awaiting_verdict) && !s.verdict_ready;
			bool want_in = source ||
				       (s.feeding_peer && outq_len(&s.to_link) < LINK_QUEUE_HIGH);

			i_peer = np;
			p[np++] = (struct pollfd){ s.peer,
						  (short)((want_in ? POLLIN : 0) |
							  (outq_len(&s.to_peer) ? POLLOUT : 0)),
						  0 };
		}
		if (s.listen_fd >= 0) {
			i_lis = np;
			p[np++] = (struct pollfd){ s.listen_fd, POLLIN, 0 };
		}
		if (poll(p, (nfds_t)np, 100) < 0 && errno != EINTR) {
			perror("tagvisor: poll");
			ret = TV_STATUS_HYP_ERROR;
			goto out;
		}
		if (p[i_sig].revents & POLLIN) {
			int sig = signal_taken();

			if (sig) {
				fprintf(stderr, "tagvisor: %s: stopping the machine\n", strsignal(sig));
				ret = signal_status(sig);
				goto out;
			}
		}
		if (p[i_con].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (c->m->linux_host) {
				copy_lines(s.fds.console, &s.host_line, &s.console_eof);
			} else {
				copy_out(s.fds.console, STDOUT_FILENO, &s.console_eof);
			}
		}
		if (p[i_con].revents & POLLOUT) {
			outq_flush(s.fds.console, &s.to_console);
		}
		if (i_log >= 0 && p[i_log].revents & (POLLIN | POLLHUP | POLLERR)) {
			copy_lines(s.fds.log, &s.log_line, &s.log_eof);
		}
		if (i_link >= 0 && p[i_link].revents & (POLLIN | POLLHUP | POLLERR)) {
			read_link(&s);
		}
		if (i_in >= 0 && p[i_in].revents & (POLLIN | POLLHUP | POLLERR)) {
			read_stdin(&s);
		}
		if (i_lis >= 0 && p[i_lis].revents & POLLIN) {
			accept_peer(&s);
		}
		if (i_peer >= 0 && s.peer >= 0 && p[i_peer].revents & (POLLIN | POLLHUP | POLLERR)) {
			read_peer(&s);
		}
		if (s.peer >= 0 && outq_len(&s.to_peer) && outq_flush(s.peer, &s.to_peer) < 0) {
			/*
			 * Broken while sending: the stream fails at its end (mig_end), with the
			 * destination's reason if it managed to give one before it went.
			 */
			s.peer_failed = true;
			outq_clear(&s.to_peer);
			if (s.out_kind == TV_LINK_STREAM_MIGRATION && !s.verdict_ready) {
				read_verdict(&s);
			}
			if (!s.verdict_ready) {
				peer_close(&s);
			}
		}
		if (s.peer >= 0 && s.verdict_sent && !outq_len(&s.to_peer)) {
			peer_close(&s); /* the destination's part is done */
		}
		if (s.hello && s.restore_fd >= 0) {
			feed_restore(&s);
		}
		if (!s.link_eof && outq_len(&s.to_link) && outq_flush(s.fds.link, &s.to_link) < 0) {
			s.link_eof = true;
		}
		if ((s.out_open || (s.restore_fd >= 0 && s.hello) || s.feeding_peer) && c->progress &&
		    seconds_since(s.last_progress) >= 1.0) {
			progress(&s, false);
			s.last_progress = now();
		}
		/*
		 * A source must keep sending: at least MIN_WINDOW_BYTES every peer_timeout
		 * seconds, so that neither silence nor a slow drip holds the destination.
		 */
		if (s.feeding_peer && passed(s.peer_deadline) && s.window_bytes >= MIN_WINDOW_BYTES) {
			s.window_bytes = 0;
			s.peer_deadline = after(c->peer_timeout);
		}
		if (s.peer >= 0 && (s.feeding_peer || s.awaiting_verdict) && passed(s.peer_deadline)) {
			if (s.awaiting_verdict) {
				s.awaiting_verdict = false;
				link_result(&s, TV_LINK_RESULT, ETIMEDOUT,
					    "no answer from the destination for %u s", c->peer_timeout);
				peer_close(&s);
			} else {
				char why[128];

				snprintf(why, sizeof(why),
					 "the source sent %llu bytes in the last %u s (at least %u "
					 "expected)",
					 (unsigned long long)s.window_bytes, c->peer_timeout,
					 MIN_WINDOW_BYTES);
				fprintf(stderr, "tagvisor: %s: refusing the migration\n", why);
				end_incoming(&s, ETIMEDOUT, why);
			}
		}
		if (!s.qemu_done && waitpid(s.qemu, &s.qemu_wstatus, WNOHANG) == s.qemu) {
			s.qemu_done = true;
			drain_until = now();
			drain_until.tv_nsec += DRAIN_MS * 1000000l;
			drain_until.tv_sec += drain_until.tv_nsec / 1000000000l;
			drain_until.tv_nsec %= 1000000000l;
		}
		if (s.qemu_done && ((s.console_eof && s.log_eof && s.link_eof) || passed(drain_until))) {
			ret = final_status(&s);
			goto out;
		}
		if (c->m->timeout && !s.qemu_done && passed(deadline)) {
			fprintf(stderr, "tagvisor: timeout after %u s\n", c->m->timeout);
			ret = TV_STATUS_TIMEOUT;
			goto out;
		}
	}
out:
	cleanup(&s);
	return ret;
}
