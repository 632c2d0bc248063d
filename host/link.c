/* SPDX-License-Identifier: MIT */
/*
 * The link over a virtio-serial port (virtio spec 5.3, with MULTIPORT): port 1, a
 * plain serial port, not a console, because QEMU drops a console port's bytes when
 * its socket is full, where it holds a serial port's until the socket takes them.
 * Its receive queue holds NR_RX buffers the device fills with the CLI's bytes, its
 * transmit queue up to NR_TX buffers of whole messages. The control queues carry the
 * port's setup. When the device is slow to take or give buffers, the host waits for
 * its interrupt with WFI, which under -icount also keeps the instruction counts
 * independent of how fast the machine running QEMU is.
 */
#include <abi/link.h>
#include <drivers/virtio_pci.h>
#include <host/devices.h>
#include <host/host.h>
#include <host/link.h>
#include <lib/string.h>

/* Queues of a multiport device: port 0's pair, the control pair, then port 1's. */
#define CTRL_RX_QUEUE 2
#define CTRL_TX_QUEUE 3
#define RX_QUEUE 4
#define TX_QUEUE 5
#define LINK_PORT 1
#define VIRTIO_CONSOLE_F_MULTIPORT (1ull << 1)
#define NR_CTRL 4
#define NR_RX 8
#define NR_TX 8
#define RX_BUF (16u << 10)
#define TX_BUF (TV_LINK_MAX_PAYLOAD + 4096)
#define NO_OPEN_DATA UINT32_MAX

static struct virtio_dev dev;
static struct virtq rxq, txq, crxq, ctxq;
static bool up;
static uint8_t *rx_buf[NR_RX], *tx_buf[NR_TX];
static bool tx_busy[NR_TX];

static uint8_t *rx_cur; /* the receive buffer being read, rx_len bytes, from rx_pos */
static uint32_t rx_len, rx_pos;

static int tx_cur = -1;            /* the transmit buffer being filled, tx_fill bytes */
static uint32_t tx_fill;
static uint32_t out_data = NO_OPEN_DATA; /* offset of an OUT_DATA header still growing */
static bool out_open;

static uint32_t in_left; /* payload bytes of the current IN_DATA message not read yet */
static bool in_ended;
static int32_t in_err;
static char in_why[128];

bool link_up(void)
{
	return up;
}

static void snprintf_why(char *why, size_t cap, const char *text)
{
	size_t n = MIN(strlen(text), cap ? cap - 1 : 0);

	memcpy(why, text, n);
	if (cap) {
		why[n] = '\0';
	}
}

/* Sleeps until the device has done something (returned a buffer, or new bytes came). */
static void wait_device(void)
{
	if (!dev.pci.irq) {
		return; /* no interrupt line: poll */
	}
	/*
	 * Only the device may wake us: with the slice timer armed, -icount would count
	 * the wait up to its deadline as time, and how long the wait is depends on the
	 * machine running QEMU.
	 */
	uint64_t ctl, cval;

	__asm__ volatile("mrs %0, cntp_ctl_el0\n\tmrs %1, cntp_cval_el0" : "=r"(ctl), "=r"(cval));
	slice_timer_stop();
	irq_line_enable(dev.pci.irq, true);
	__asm__ volatile("wfi" ::: "memory");
	/*
	 * Disabled before it is acknowledged: the device may raise its level line again
	 * at any moment, and a line that stays up would be taken again and again.
	 */
	irq_line_enable(dev.pci.irq, false);
	virtio_pci_isr(&dev); /* lowers the line */
	irq_ack_all();
	__asm__ volatile("msr cntp_cval_el0, %0\n\tmsr cntp_ctl_el0, %1\n\tisb"
			 : : "r"(cval), "r"(ctl & 1));
}

static void fail(const char *what)
{
	up = false;
	host_panic("link: %s", what);
}

static void post_rx(uint8_t *buf)
{
	if (virtq_add(&rxq, (uint64_t)buf, RX_BUF, true, buf)) {
		fail("receive queue full");
	}
}

/* Copies n bytes of the CLI's stream, waiting for them as long as it takes. */
static void rx_read(void *dst, size_t n)
{
	uint8_t *d = dst;

	while (n) {
		if (rx_cur && rx_pos == rx_len) {
			post_rx(rx_cur);
			virtq_publish(&rxq);
			virtio_pci_notify(&dev, RX_QUEUE);
			rx_cur = NULL;
		}
		if (!rx_cur) {
			uint32_t len;

			rx_cur = virtq_get_used(&rxq, &len);
			if (!rx_cur) {
				if (rxq.broken || virtio_pci_failed(&dev)) {
					fail("the device broke its receive queue");
				}
				wait_device();
				continue;
			}
			rx_len = len;
			rx_pos = 0;
			continue;
		}
		size_t k = MIN(n, (size_t)(rx_len - rx_pos));

		memcpy(d, rx_cur + rx_pos, k);
		rx_pos += (uint32_t)k;
		d += k;
		n -= k;
	}
}

/* Takes back the transmit buffers the device is done with. */
static void tx_reap(void)
{
	uint32_t len;
	uint8_t *b;

	while ((b = virtq_get_used(&txq, &len)) != NULL) {
		for (unsigned i = 0; i < NR_TX; i++) {
			if (tx_buf[i] == b) {
				tx_busy[i] = false;
			}
		}
	}
	if (txq.broken) {
		fail("the device broke its transmit queue");
	}
}

/* Closes the OUT_DATA message being filled: its header gets its length. */
static void close_data(void)
{
	if (out_data != NO_OPEN_DATA) {
		struct tv_link_hdr *h = (struct tv_link_hdr *)(void *)(tx_buf[tx_cur] + out_data);

		h->len = tx_fill - out_data - (uint32_t)sizeof(*h);
		out_data = NO_OPEN_DATA;
	}
}

/* Hands the buffer being filled to the device. */
static void tx_push(void)
{
	close_data();
	if (tx_cur < 0) {
		return;
	}
	if (tx_fill) {
		tx_busy[tx_cur] = true;
		if (virtq_add(&txq, (uint64_t)tx_buf[tx_cur], tx_fill, false, tx_buf[tx_cur])) {
			fail("transmit queue full");
		}
		virtq_publish(&txq);
		virtio_pci_notify(&dev, TX_QUEUE);
	}
	tx_cur = -1;
	tx_fill = 0;
}

/* Room for n more bytes in the buffer being filled (a fresh one if needed). */
static uint8_t *tx_room(uint32_t n)
{
	if (tx_cur >= 0 && tx_fill + n <= TX_BUF) {
		return tx_buf[tx_cur] + tx_fill;
	}
	tx_push();
	for (;;) {
		tx_reap();
		for (int i = 0; i < NR_TX; i++) {
			if (!tx_busy[i]) {
				tx_cur = i;
				tx_fill = 0;
				return tx_buf[i];
			}
		}
		wait_device();
	}
}

void link_flush(void)
{
	tx_push();
	while (virtq_in_flight(&txq)) {
		wait_device();
		tx_reap();
	}
}

void link_send(uint32_t type, const void *payload, uint32_t len)
{
	struct tv_link_hdr h = { type, len };
	uint8_t *p;

	if (!up) {
		return;
	}
	close_data();
	p = tx_room((uint32_t)sizeof(h) + len);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), payload, len);
	tx_fill += (uint32_t)sizeof(h) + len;
	tx_push();
}

/* struct virtio_console_control: a port's setup event. */
struct vc_ctrl {
	uint32_t id;
	uint16_t event;
	uint16_t value;
};

#define VC_DEVICE_READY 0
#define VC_DEVICE_ADD 1
#define VC_PORT_READY 3
#define VC_PORT_OPEN 6

static uint8_t *ctrl_page; /* NR_CTRL receive buffers, then one to send from */

static void ctrl_send(uint32_t id, uint16_t event, uint16_t value)
{
	struct vc_ctrl *m = (struct vc_ctrl *)(void *)(ctrl_page + NR_CTRL * 64);
	uint32_t len;

	*m = (struct vc_ctrl){ id, event, value };
	if (virtq_add(&ctxq, (uint64_t)m, sizeof(*m), false, m)) {
		fail("control queue full");
	}
	virtq_publish(&ctxq);
	virtio_pci_notify(&dev, CTRL_TX_QUEUE);
	while (!virtq_get_used(&ctxq, &len)) {
		if (ctxq.broken) {
			fail("the device broke its control queue");
		}
		wait_device();
	}
}

/* Waits for the device's `event` about port `id`; other events are let go. */
static void ctrl_wait(uint32_t id, uint16_t event)
{
	for (;;) {
		uint32_t len;
		struct vc_ctrl *m = virtq_get_used(&crxq, &len);

		if (!m) {
			if (crxq.broken) {
				fail("the device broke its control queue");
			}
			wait_device();
			continue;
		}
		bool hit = len >= sizeof(*m) && m->id == id && m->event == event;

		virtq_add(&crxq, (uint64_t)m, 64, true, m);
		virtq_publish(&crxq);
		virtio_pci_notify(&dev, CTRL_RX_QUEUE);
		if (hit) {
			return;
		}
	}
}

int link_init(uint64_t dtb)
{
	uint32_t version = TV_LINK_VERSION;

	ctrl_page = alloc_pages(1);
	if (!ctrl_page || pci_init(dtb) ||
	    virtio_pci_open(&dev, VIRTIO_ID_CONSOLE, 0, VIRTIO_CONSOLE_F_MULTIPORT,
			    VIRTIO_CONSOLE_F_MULTIPORT) ||
	    virtio_pci_setup_queue(&dev, CTRL_RX_QUEUE, &crxq, NR_CTRL) ||
	    virtio_pci_setup_queue(&dev, CTRL_TX_QUEUE, &ctxq, NR_CTRL) ||
	    virtio_pci_setup_queue(&dev, RX_QUEUE, &rxq, NR_RX) ||
	    virtio_pci_setup_queue(&dev, TX_QUEUE, &txq, NR_TX)) {
		return -1;
	}
	for (unsigned i = 0; i < NR_CTRL; i++) {
		virtq_add(&crxq, (uint64_t)(ctrl_page + 64 * i), 64, true, ctrl_page + 64 * i);
	}
	for (unsigned i = 0; i < NR_RX; i++) {
		rx_buf[i] = alloc_pages(RX_BUF / PAGE_SIZE);
		if (!rx_buf[i]) {
			return -1;
		}
		post_rx(rx_buf[i]);
	}
	for (unsigned i = 0; i < NR_TX; i++) {
		tx_buf[i] = alloc_pages((TX_BUF + PAGE_SIZE - 1) / PAGE_SIZE);
		if (!tx_buf[i]) {
			return -1;
		}
	}
	virtq_publish(&crxq);
	virtq_publish(&rxq);
	virtio_pci_ready(&dev);
	virtio_pci_notify(&dev, CTRL_RX_QUEUE);
	virtio_pci_notify(&dev, RX_QUEUE);
	/* The multiport handshake: the device names its port, the host opens it. */
	ctrl_send(0, VC_DEVICE_READY, 1);
	ctrl_wait(LINK_PORT, VC_DEVICE_ADD);
	ctrl_send(LINK_PORT, VC_PORT_READY, 1);
	ctrl_send(LINK_PORT, VC_PORT_OPEN, 1);
	up = true;
	link_send(TV_LINK_HELLO, &version, sizeof(version));
	return 0;
}

/* ---- outgoing streams ---- */

/* Waits for the CLI's TV_LINK_RESULT: its errno (0: done) and why. */
static int wait_result(char *why, size_t cap);

int link_out_begin(uint32_t kind, char *why, size_t cap)
{
	if (!up) {
		snprintf_why(why, cap, "no link");
		return -1;
	}
	link_send(TV_LINK_OUT_BEGIN, &kind, sizeof(kind));
	if (wait_result(why, cap)) {
		return -1; /* the CLI cannot take it (no file, no peer) */
	}
	out_open = true;
	return 0;
}

int link_out_write(void *ctx, const void *buf, size_t len)
{
	const uint8_t *src = buf;

	(void)ctx;
	if (!up || !out_open) {
		return -1;
	}
	while (len) {
		uint32_t room;

		if (out_data == NO_OPEN_DATA) {
			struct tv_link_hdr h = { TV_LINK_OUT_DATA, 0 };

			tx_room((uint32_t)sizeof(h) + 512); /* a header and a useful amount after it */
			out_data = tx_fill;
			memcpy(tx_buf[tx_cur] + tx_fill, &h, sizeof(h));
			tx_fill += (uint32_t)sizeof(h);
		}
		room = MIN(TX_BUF - tx_fill, TV_LINK_MAX_PAYLOAD - (tx_fill - out_data - 8));
		if (!room) {
			tx_push(); /* a full message: out, and the next one in a new buffer */
			continue;
		}
		room = (uint32_t)MIN((size_t)room, len);
		memcpy(tx_buf[tx_cur] + tx_fill, src, room);
		tx_fill += room;
		src += room;
		len -= room;
	}
	return 0;
}

/* Reads a result-shaped payload (err, text) into err and why. */
static int32_t read_result(uint32_t len, char *why, size_t cap)
{
	int32_t err;
	uint8_t skip[64];
	uint32_t text = len - 4, keep = (uint32_t)MIN((size_t)text, cap ? cap - 1 : 0);

	rx_read(&err, 4);
	rx_read(why, keep);
	if (cap) {
		why[keep] = '\0';
	}
	for (text -= keep; text; text -= MIN(text, (uint32_t)sizeof(skip))) {
		rx_read(skip, MIN(text, (uint32_t)sizeof(skip)));
	}
	return err;
}

/* The next message's header, which must be one of the types the caller expects. */
static struct tv_link_hdr next_msg(void)
{
	struct tv_link_hdr h;

	rx_read(&h, sizeof(h));
	if (h.len > TV_LINK_MAX_PAYLOAD) {
		fail("message longer than the protocol allows");
	}
	return h;
}

static int wait_result(char *why, size_t cap)
{
	struct tv_link_hdr h = next_msg();

	if (h.type != TV_LINK_RESULT || h.len < 4) {
		fail("expected the CLI's answer");
	}
	return read_result(h.len, why, cap);
}

int link_out_end(char *why, size_t cap)
{
	if (!up || !out_open) {
		snprintf_why(why, cap, "no stream");
		return -1;
	}
	out_open = false;
	link_send(TV_LINK_OUT_END, NULL, 0);
	return wait_result(why, cap);
}

void link_out_abort(void)
{
	if (up && out_open) {
		out_open = false;
		link_send(TV_LINK_OUT_ABORT, NULL, 0);
	}
}

/* ---- the incoming stream ---- */

int link_in_read(void *ctx, void *buf, size_t len)
{
	uint8_t *d = buf;

	(void)ctx;
	while (len) {
		if (in_ended || !up) {
			return -1;
		}
		if (!in_left) {
			struct tv_link_hdr h = next_msg();

			if (h.type == TV_LINK_IN_DATA) {
				in_left = h.len;
			} else if (h.type == TV_LINK_IN_END && h.len >= 4) {
				in_ended = true;
				in_err = read_result(h.len, in_why, sizeof(in_why));
			} else {
				fail("expected the incoming stream");
			}
			continue;
		}
		uint32_t k = (uint32_t)MIN((size_t)in_left, len);

		rx_read(d, k);
		in_left -= k;
		d += k;
		len -= k;
	}
	return 0;
}

int link_in_error(char *why, size_t cap)
{
	snprintf_why(why, cap, in_why);
	return in_err;
}

void link_send_verdict(int32_t err, const char *text)
{
	uint8_t msg[132];
	size_t n = MIN(strlen(text), sizeof(msg) - 4);

	memcpy(msg, &err, 4);
	memcpy(msg + 4, text, n);
	link_send(TV_LINK_VERDICT, msg, (uint32_t)(4 + n));
}
