/*
 * pqtls-relay: a userspace link emulator between two network namespaces (Mahimahi's approach), for
 * kernels without sch_netem. It opens one TUN device (IFF_TUN | IFF_NO_PI) inside each namespace and
 * relays IP packets between them with netem's semantics. Each direction has two threads, so reading
 * never waits behind a write (a TUN write runs the receiver's whole TCP input path; while it does, the
 * sender's TUN ring would overflow silently):
 *   reader: read → loss (Bernoulli or Gilbert-Elliott, seeded) → limit check (packets held, including those
 *   still in the delay line, as netem's `limit`) → time_to_send = now + delay + jitter (netem's
 *   tabledist over the iproute2 tables), with a rate: anchored to the previous packet and serialised
 *   at the rate (no reordering, as netem) → a lock-free single-producer ring to
 *   writer: a time-ordered heap released on an absolute CLOCK_MONOTONIC timerfd (sparse packets: woken
 *   early, then a short spin to the exact time) → write.
 * Threads run SCHED_FIFO when permitted (--rt PRIO; readers one above writers). Every drop is counted:
 * emulated loss, limit overflow, ring stalls, write errors, and the TUN devices' own kernel drop
 * counters, read over netlink sockets opened inside the namespaces.
 *
 * Control is line-based on stdin (replies on stdout, one line each):
 *   set up|down delay_ns=N jitter_ns=N table=PATH|none rate_bps=N l2=0|1 loss=none|bern:PCT|ge:P:R:H:K
 *       limit=N seed=N              → "ok" or "error <why>"   (all keys optional; seed re-seeds the RNGs)
 *   stats                           → one JSON line of counters
 *   quit (or EOF, SIGTERM, SIGINT)  → final JSON line of counters, exit 0
 * The relay exits with its parent (PR_SET_PDEATHSIG); its TUN devices vanish with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NETEM_DIST_SCALE 8192
#define MAX_PACKET 65536
#define READ_BATCH 64
#define LATE_BUCKETS 13
/* Upper bounds (µs) of the lateness histogram buckets; the last bucket is everything above. The buckets
   above 1 ms resolve a host stall's length, which the runner's per-row fidelity guard reads from the
   histogram's change over one connection (net/relay.ts LATE_BOUNDS_US mirrors this table). */
static const int64_t late_bounds_us[LATE_BUCKETS - 1] = {20, 50, 100, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000};

enum loss_kind { LOSS_NONE, LOSS_BERNOULLI, LOSS_GE };

/* One direction's parameters. Immutable once published; replaced whole on `set`. */
struct params {
  int64_t delay_ns, jitter_ns;
  int16_t *table; /* NULL: uniform jitter */
  uint32_t table_size;
  char table_path[256];
  double rate_bps; /* 0: unshaped */
  int count_l2;
  enum loss_kind loss;
  uint32_t loss_p;               /* Bernoulli threshold, netem-style: lose if loss_p >= rnd */
  uint32_t ge_p, ge_r, ge_h, ge_k; /* GE thresholds: P(good→bad), P(bad→good), loss in bad, loss in good */
  double loss_pct, ge_pct[4];
  uint32_t limit;
  uint64_t seed;
  int reseed;
};

struct pkt {
  int64_t tts; /* time to send, CLOCK_MONOTONIC ns */
  uint64_t seq;
  uint32_t len;
  unsigned char *data;
};

/* Reader-side and writer-side counters are written by one thread each and read racily for reports. */
struct counters {
  uint64_t rx, rx_bytes, lost, overflow, stalls, read_errors;
  uint64_t tx, tx_bytes, tx_errors;
  uint64_t late_count, late_sum_ns, late_max_ns, late_hist[LATE_BUCKETS];
  uint64_t queue_peak;
};

/* Reader → writer hand-off; packets normally spend microseconds here. 8192 entries (256 KiB) hold ~100 ms of
   a saturated 1 Gbit/s link should the writer stall (then counted as stalls). It was 65536 (2 MiB per
   direction, all locked by mlockall): with dozens of lanes that memory matters and never held packets. */
#define RING_SIZE 8192
/* Thread stacks: the threads keep only small locals (the read buffers are static). glibc's default is
   8 MiB, and mlockall(MCL_FUTURE) locks and faults in all of it: 4 threads made 32 of a relay's ~38 MB. */
#define THREAD_STACK (256 * 1024)

struct direction {
  const char *name;
  int in_fd, out_fd, timer_fd, wake_fd, ctl_fd;
  /* reader state */
  struct params *params;          /* owned by the reader */
  struct params *_Atomic pending; /* published by the control thread */
  uint64_t seq, enqueued;
  int64_t last_tts; /* tts of the last packet queued (rate anchoring) */
  uint64_t rng_loss[4], rng_jitter[4];
  int ge_bad;
  /* hand-off ring */
  struct pkt *ring;
  _Atomic uint64_t ring_head, ring_tail; /* consumed by the writer / produced by the reader */
  _Atomic uint64_t released;             /* packets the writer has taken out of the emulator */
  _Atomic int64_t writer_wake_at;        /* when the sleeping writer will wake by itself (INT64_MAX: never) */
  /* writer state */
  struct pkt *heap;
  uint32_t heap_n, heap_cap;
  int64_t armed_tts;
  int64_t last_release; /* when the writer last wrote a packet */
  struct counters c;
  pthread_t reader, writer;
  int rt;
};

static struct direction dirs[2];
static int stop_pipe[2];

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("pqtls-relay: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

/* xoshiro256** seeded by splitmix64: fast, good enough for loss/jitter draws, reproducible. */
static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static void rng_seed(uint64_t s[4], uint64_t seed) {
  for (int i = 0; i < 4; i++) s[i] = splitmix64(&seed);
}
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t rng_next(uint64_t s[4]) {
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}
static uint32_t rng32(uint64_t s[4]) { return (uint32_t)(rng_next(s) >> 32); }

/* ---- time-ordered heap (min by tts, then arrival order) ---- */
static int pkt_before(const struct pkt *a, const struct pkt *b) {
  return a->tts < b->tts || (a->tts == b->tts && a->seq < b->seq);
}
static void heap_push(struct direction *d, struct pkt p) {
  if (d->heap_n == d->heap_cap) {
    d->heap_cap = d->heap_cap ? d->heap_cap * 2 : 1024;
    d->heap = realloc(d->heap, d->heap_cap * sizeof *d->heap);
    if (!d->heap) die("out of memory");
  }
  uint32_t i = d->heap_n++;
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (!pkt_before(&p, &d->heap[parent])) break;
    d->heap[i] = d->heap[parent];
    i = parent;
  }
  d->heap[i] = p;
}
static struct pkt heap_pop(struct direction *d) {
  struct pkt top = d->heap[0], last = d->heap[--d->heap_n];
  uint32_t i = 0, n = d->heap_n;
  for (;;) {
    uint32_t l = 2 * i + 1, r = l + 1, m = i;
    const struct pkt *mp = &last;
    if (l < n && pkt_before(&d->heap[l], mp)) m = l, mp = &d->heap[l];
    if (r < n && pkt_before(&d->heap[r], mp)) m = r, mp = &d->heap[r];
    if (m == i) break;
    d->heap[i] = d->heap[m];
    i = m;
  }
  if (n > 0) d->heap[i] = last;
  return top;
}

/* ---- netem semantics ---- */
static int lose_packet(struct direction *d, const struct params *p) {
  switch (p->loss) {
  case LOSS_NONE:
    return 0;
  case LOSS_BERNOULLI:
    return p->loss_p && p->loss_p >= rng32(d->rng_loss);
  case LOSS_GE:
    /* As netem: the state transition is drawn first, the loss with the state the packet arrived in. */
    if (!d->ge_bad) {
      if (rng32(d->rng_loss) < p->ge_p) d->ge_bad = 1;
      return rng32(d->rng_loss) < p->ge_k;
    }
    if (rng32(d->rng_loss) < p->ge_r) d->ge_bad = 0;
    return rng32(d->rng_loss) < p->ge_h;
  }
  return 0;
}

/* netem's tabledist(): mu + sigma * t / NETEM_DIST_SCALE with its rounding, or uniform without a table. */
static int64_t draw_delay(struct direction *d, const struct params *p) {
  int64_t mu = p->delay_ns, sigma = p->jitter_ns;
  if (sigma == 0) return mu;
  uint64_t rnd = rng_next(d->rng_jitter);
  if (!p->table) return (int64_t)(rnd % (uint64_t)(2 * sigma)) + mu - sigma;
  int64_t t = p->table[(rnd >> 32) % p->table_size];
  int64_t x = (sigma % NETEM_DIST_SCALE) * t;
  x += x >= 0 ? NETEM_DIST_SCALE / 2 : -NETEM_DIST_SCALE / 2;
  return x / NETEM_DIST_SCALE + (sigma / NETEM_DIST_SCALE) * t + mu;
}

static int64_t serialisation_ns(const struct params *p, uint32_t len) {
  double bits = 8.0 * (len + (p->count_l2 ? 14 : 0));
  return (int64_t)(bits * 1e9 / p->rate_bps + 0.5);
}

static void enqueue(struct direction *d, const unsigned char *buf, uint32_t len, int64_t now) {
  const struct params *p = d->params;
  d->c.rx++;
  d->c.rx_bytes += len;
  if (lose_packet(d, p)) {
    d->c.lost++;
    return;
  }
  uint64_t held = d->enqueued - atomic_load_explicit(&d->released, memory_order_acquire);
  if (held >= p->limit) {
    d->c.overflow++;
    return;
  }
  uint64_t tail = atomic_load_explicit(&d->ring_tail, memory_order_relaxed);
  if (tail - atomic_load_explicit(&d->ring_head, memory_order_acquire) >= RING_SIZE) {
    d->c.stalls++; /* the writer is stuck: counted, never silent */
    return;
  }
  int64_t delay = draw_delay(d, p);
  if (delay < 0) delay = 0;
  int64_t tts;
  if (p->rate_bps > 0) {
    /* netem: the last queued packet is the reference point; its remaining time is credited against
       this packet's delay, then the packet is serialised at the rate after it. */
    int64_t start = now;
    if (held > 0 && d->last_tts > now) {
      delay -= d->last_tts - now;
      if (delay < 0) delay = 0;
      start = d->last_tts;
    }
    tts = start + delay + serialisation_ns(p, len);
  } else {
    tts = now + delay;
  }
  unsigned char *copy = malloc(len);
  if (!copy) die("out of memory");
  memcpy(copy, buf, len);
  d->ring[tail % RING_SIZE] = (struct pkt){.tts = tts, .seq = d->seq++, .len = len, .data = copy};
  atomic_store_explicit(&d->ring_tail, tail + 1, memory_order_seq_cst);
  d->enqueued++;
  d->last_tts = tts;
  if (held + 1 > d->c.queue_peak) d->c.queue_peak = held + 1;
  /* Wake the writer only if it sleeps past this packet's time (seq_cst pairs with the writer's
     publish-then-recheck, so either it sees the packet or we see its wake time). */
  if (tts < atomic_load_explicit(&d->writer_wake_at, memory_order_seq_cst)) {
    atomic_store(&d->writer_wake_at, tts);
    uint64_t one = 1;
    if (write(d->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN) die("eventfd write");
  }
}

static void release_due(struct direction *d) {
  int64_t now = now_ns();
  while (d->heap_n > 0 && d->heap[0].tts <= now) {
    struct pkt p = heap_pop(d);
    ssize_t w = write(d->out_fd, p.data, p.len);
    d->last_release = now;
    if (w == (ssize_t)p.len) {
      d->c.tx++;
      d->c.tx_bytes += p.len;
    } else {
      d->c.tx_errors++;
    }
    int64_t late = now - p.tts;
    d->c.late_count++;
    d->c.late_sum_ns += (uint64_t)late;
    if ((uint64_t)late > d->c.late_max_ns) d->c.late_max_ns = (uint64_t)late;
    int b = 0;
    while (b < LATE_BUCKETS - 1 && late > late_bounds_us[b] * 1000) b++;
    d->c.late_hist[b]++;
    free(p.data);
    atomic_fetch_add_explicit(&d->released, 1, memory_order_release);
    if ((d->c.tx & 63) == 0) now = now_ns();
  }
}

/* For sparse traffic (handshakes, ACKs at low rates, pings) the writer wakes this much before a packet is
   due and spins the rest: a timer wake-up is 20-200 µs late on a busy VM, a spin is not. Sparse = the packet comes
   more than 2 x SPIN_NS after the previous release; a saturated link (packets µs apart) never spins, so
   the CPU goes to the endpoints. Costs at most SPIN_NS of CPU per sparse packet. */
#define SPIN_NS 200000

/* How early the writer wakes for its next packet. */
static int64_t spin_lead(const struct direction *d) {
  return d->heap_n && d->heap[0].tts - d->last_release > 2 * SPIN_NS ? SPIN_NS : 0;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ volatile("pause");
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

static void arm_timer(struct direction *d) {
  int64_t want = d->heap_n ? d->heap[0].tts - spin_lead(d) : 0;
  if (want <= 0 && d->heap_n) want = 1;
  if (want == d->armed_tts) return;
  struct itimerspec its = {0};
  if (want) {
    its.it_value.tv_sec = want / 1000000000LL;
    its.it_value.tv_nsec = want % 1000000000LL;
  }
  timerfd_settime(d->timer_fd, want ? TFD_TIMER_ABSTIME : 0, &its, NULL);
  d->armed_tts = want;
}

static void adopt_pending(struct direction *d) {
  struct params *next = atomic_exchange(&d->pending, NULL);
  if (!next) return;
  if (next->reseed) {
    rng_seed(d->rng_loss, next->seed * 2 + (d == &dirs[1] ? 1 : 0));
    rng_seed(d->rng_jitter, ~(next->seed * 2 + (d == &dirs[1] ? 1 : 0)));
    d->ge_bad = 0;
  }
  /* The old struct is not freed: the control thread may be printing it. Reconfigures are rare and small. */
  d->params = next;
}

static void drain_ring(struct direction *d) {
  uint64_t head = atomic_load_explicit(&d->ring_head, memory_order_relaxed);
  uint64_t tail = atomic_load_explicit(&d->ring_tail, memory_order_acquire);
  for (; head != tail; head++) heap_push(d, d->ring[head % RING_SIZE]);
  atomic_store_explicit(&d->ring_head, head, memory_order_release);
}

static void *writer_main(void *arg) {
  struct direction *d = arg;
  struct pollfd fds[3] = {{d->timer_fd, POLLIN, 0}, {d->wake_fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
  for (;;) {
    drain_ring(d);
    release_due(d);
    if (spin_lead(d) && d->heap[0].tts - now_ns() <= SPIN_NS) {
      /* Due within the spin window: wait here (taking in new packets) instead of sleeping. */
      while (now_ns() < d->heap[0].tts) {
        cpu_relax();
        if (atomic_load_explicit(&d->ring_tail, memory_order_acquire) != atomic_load(&d->ring_head)) drain_ring(d);
      }
      continue;
    }
    /* Publish when we wake by ourselves, then look at the ring once more before sleeping. */
    atomic_store_explicit(&d->writer_wake_at, d->heap_n ? d->heap[0].tts - spin_lead(d) : INT64_MAX, memory_order_seq_cst);
    if (atomic_load_explicit(&d->ring_tail, memory_order_seq_cst) != atomic_load(&d->ring_head)) continue;
    arm_timer(d);
    int n = poll(fds, 3, 1000);
    if (n < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    if (fds[2].revents) return NULL;
    uint64_t v;
    if (fds[0].revents & POLLIN) {
      if (read(d->timer_fd, &v, sizeof v) < 0 && errno != EAGAIN) die("timerfd read");
      d->armed_tts = 0;
    }
    if ((fds[1].revents & POLLIN) && read(d->wake_fd, &v, sizeof v) < 0 && errno != EAGAIN) die("eventfd read");
  }
}

static void *reader_main(void *arg) {
  struct direction *d = arg;
  static unsigned char bufs[2][MAX_PACKET];
  unsigned char *buf = bufs[d == &dirs[1]];
  struct pollfd fds[3] = {{d->in_fd, POLLIN, 0}, {d->ctl_fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
  for (;;) {
    adopt_pending(d);
    int n = poll(fds, 3, 1000);
    if (n < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    if (fds[2].revents) return NULL;
    uint64_t v;
    if ((fds[1].revents & POLLIN) && read(d->ctl_fd, &v, sizeof v) < 0 && errno != EAGAIN) die("eventfd read");
    if (!(fds[0].revents & POLLIN)) continue;
    adopt_pending(d);
    /* Drain what is there: TUN gives one packet per read. */
    for (int i = 0; i < READ_BATCH; i++) {
      ssize_t r = read(d->in_fd, buf, MAX_PACKET);
      if (r < 0) {
        if (errno != EAGAIN && errno != EINTR) d->c.read_errors++;
        break;
      }
      if (r == 0) break;
      enqueue(d, buf, (uint32_t)r, now_ns());
    }
  }
}

/* ---- setup ---- */
/* A TUN device, plus a netlink socket created in its namespace to read the kernel's drop counters. */
struct tun_dev {
  int fd, nl, ifindex;
};
static struct tun_dev tuns[2];

static void open_tun_in(const char *ns_path, const char *dev, struct tun_dev *t) {
  int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = open(ns_path, O_RDONLY | O_CLOEXEC);
  if (self < 0 || target < 0) die("open namespace %s: %s", ns_path, strerror(errno));
  if (setns(target, CLONE_NEWNET) < 0) die("setns %s: %s", ns_path, strerror(errno));
  t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (t->fd < 0) die("open /dev/net/tun: %s", strerror(errno));
  struct ifreq ifr = {0};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dev);
  if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF %s in %s: %s", dev, ns_path, strerror(errno));
  /* Sockets belong to the namespace they are created in. */
  int probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0 || ioctl(probe, SIOCGIFINDEX, &ifr) < 0) die("SIOCGIFINDEX %s: %s", dev, strerror(errno));
  t->ifindex = ifr.ifr_ifindex;
  close(probe);
  t->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (t->nl < 0) die("netlink socket: %s", strerror(errno));
  struct timeval tv = {.tv_sec = 1};
  setsockopt(t->nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (setns(self, CLONE_NEWNET) < 0) die("setns back: %s", strerror(errno));
  close(self);
  close(target);
}

/* The device's kernel counters (RTM_GETLINK → IFLA_STATS64); all-ones when they cannot be read. */
static struct rtnl_link_stats64 link_stats(struct tun_dev *t) {
  static uint32_t seq;
  struct rtnl_link_stats64 st;
  memset(&st, 0xff, sizeof st);
  struct {
    struct nlmsghdr nh;
    struct ifinfomsg ifi;
  } req = {0};
  req.nh.nlmsg_len = sizeof req;
  req.nh.nlmsg_type = RTM_GETLINK;
  req.nh.nlmsg_flags = NLM_F_REQUEST;
  req.nh.nlmsg_seq = ++seq;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ifi.ifi_index = t->ifindex;
  if (send(t->nl, &req, sizeof req, 0) < 0) return st;
  static char buf[32768];
  ssize_t n = recv(t->nl, buf, sizeof buf, 0);
  for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; n > 0 && NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
    if (nh->nlmsg_type != RTM_NEWLINK) continue;
    struct ifinfomsg *ifi = NLMSG_DATA(nh);
    int len = IFLA_PAYLOAD(nh);
    for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
      if (a->rta_type == IFLA_STATS64 && RTA_PAYLOAD(a) >= sizeof st) memcpy(&st, RTA_DATA(a), sizeof st);
  }
  return st;
}

static int load_table(struct params *p, const char *path) {
  static struct {
    char path[256];
    int16_t *table;
    uint32_t size;
  } cache[8];
  static int cached;
  for (int i = 0; i < cached; i++)
    if (!strcmp(cache[i].path, path)) {
      p->table = cache[i].table;
      p->table_size = cache[i].size;
      return 0;
    }
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  uint32_t cap = 4096, n = 0;
  int16_t *t = malloc(cap * sizeof *t);
  char line[4096];
  while (t && fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    char *s = line, *end;
    for (;;) {
      long v = strtol(s, &end, 10);
      if (end == s) break;
      if (n == cap) t = realloc(t, (cap *= 2) * sizeof *t);
      if (!t) break;
      t[n++] = (int16_t)v;
      s = end;
    }
  }
  fclose(f);
  if (!t || n == 0) return -1;
  if (cached < 8) {
    snprintf(cache[cached].path, sizeof cache[cached].path, "%s", path);
    cache[cached].table = t;
    cache[cached].size = n;
    cached++;
  }
  p->table = t;
  p->table_size = n;
  return 0;
}

static uint32_t pct_threshold(double pct) {
  if (pct <= 0) return 0;
  if (pct >= 100) return UINT32_MAX;
  return (uint32_t)(pct / 100.0 * (double)UINT32_MAX);
}

/* Applies "key=value ..." to a copy of the direction's current parameters; returns an error or NULL. */
static const char *parse_set(struct params *p, char *args) {
  p->reseed = 0;
  for (char *tok = strtok(args, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
    char *eq = strchr(tok, '=');
    if (!eq) return "expected key=value";
    *eq = 0;
    const char *k = tok, *v = eq + 1;
    if (!strcmp(k, "delay_ns")) p->delay_ns = strtoll(v, NULL, 10);
    else if (!strcmp(k, "jitter_ns")) p->jitter_ns = strtoll(v, NULL, 10);
    else if (!strcmp(k, "rate_bps")) p->rate_bps = strtod(v, NULL);
    else if (!strcmp(k, "l2")) p->count_l2 = atoi(v) != 0;
    else if (!strcmp(k, "limit")) p->limit = (uint32_t)strtoul(v, NULL, 10);
    else if (!strcmp(k, "seed")) p->seed = strtoull(v, NULL, 10), p->reseed = 1;
    else if (!strcmp(k, "table")) {
      if (!strcmp(v, "none")) {
        p->table = NULL;
        p->table_size = 0;
        p->table_path[0] = 0;
      } else {
        if (load_table(p, v) < 0) return "cannot read distribution table";
        snprintf(p->table_path, sizeof p->table_path, "%s", v);
      }
    } else if (!strcmp(k, "loss")) {
      if (!strcmp(v, "none")) p->loss = LOSS_NONE;
      else if (!strncmp(v, "bern:", 5)) {
        p->loss = LOSS_BERNOULLI;
        p->loss_pct = strtod(v + 5, NULL);
        p->loss_p = pct_threshold(p->loss_pct);
      } else if (!strncmp(v, "ge:", 3)) {
        double g[4] = {0, 0, 100, 0};
        if (sscanf(v + 3, "%lf:%lf:%lf:%lf", &g[0], &g[1], &g[2], &g[3]) < 2) return "bad ge loss";
        p->loss = LOSS_GE;
        memcpy(p->ge_pct, g, sizeof g);
        p->ge_p = pct_threshold(g[0]);
        p->ge_r = pct_threshold(g[1]);
        p->ge_h = pct_threshold(g[2]);
        p->ge_k = pct_threshold(g[3]);
      } else return "bad loss";
    } else return "unknown key";
  }
  if (p->delay_ns < 0 || p->jitter_ns < 0 || p->rate_bps < 0 || p->limit < 1) return "value out of range";
  if (p->jitter_ns >= (1LL << 31) * 1000) return "jitter too large";
  return NULL;
}

/* tun_tx_dropped: the sending side's TUN ring overflowed (the relay fell behind);
   tun_rx_dropped: the receiving side's kernel refused a packet the relay wrote. */
static void print_dir_json(FILE *out, struct direction *d, uint64_t tun_tx_dropped, uint64_t tun_rx_dropped) {
  struct counters c;
  memcpy(&c, (void *)&d->c, sizeof c); /* racy snapshot of monotone counters: fine for reporting */
  const struct params *p = d->params;
  fprintf(out,
          "\"%s\":{\"rx\":%lu,\"rx_bytes\":%lu,\"lost\":%lu,\"overflow\":%lu,\"stalls\":%lu,\"tx\":%lu,\"tx_bytes\":%lu,"
          "\"tx_errors\":%lu,\"read_errors\":%lu,\"tun_tx_dropped\":%ld,\"tun_rx_dropped\":%ld,\"queued\":%u,\"queue_peak\":%lu,\"late_count\":%lu,"
          "\"late_mean_us\":%.3f,\"late_max_us\":%.3f,\"late_hist\":[",
          d->name, c.rx, c.rx_bytes, c.lost, c.overflow, c.stalls, c.tx, c.tx_bytes, c.tx_errors, c.read_errors, (long)tun_tx_dropped, (long)tun_rx_dropped, (unsigned)(d->enqueued - d->released),
          c.queue_peak, c.late_count, c.late_count ? c.late_sum_ns / 1000.0 / c.late_count : 0.0,
          c.late_max_ns / 1000.0);
  for (int i = 0; i < LATE_BUCKETS; i++) fprintf(out, "%s%lu", i ? "," : "", c.late_hist[i]);
  fprintf(out,
          "],\"rt\":%s,\"params\":{\"delay_ns\":%ld,\"jitter_ns\":%ld,\"table\":\"%s\",\"table_size\":%u,"
          "\"rate_bps\":%.0f,\"l2\":%d,\"limit\":%u,\"seed\":%lu,\"loss\":",
          d->rt ? "true" : "false", p->delay_ns, p->jitter_ns, p->table ? p->table_path : "none", p->table_size,
          p->rate_bps, p->count_l2, p->limit, p->seed);
  if (p->loss == LOSS_BERNOULLI) fprintf(out, "{\"kind\":\"bernoulli\",\"pct\":%g}", p->loss_pct);
  else if (p->loss == LOSS_GE)
    fprintf(out, "{\"kind\":\"gilbert-elliott\",\"p\":%g,\"r\":%g,\"h\":%g,\"k\":%g}", p->ge_pct[0], p->ge_pct[1],
            p->ge_pct[2], p->ge_pct[3]);
  else fputs("null", out);
  fputs("}}", out);
}

static void print_stats(const char *kind) {
  struct rtnl_link_stats64 a = link_stats(&tuns[0]), b = link_stats(&tuns[1]);
  printf("{\"%s\":true,", kind);
  print_dir_json(stdout, &dirs[0], a.tx_dropped, b.rx_dropped);
  putchar(',');
  print_dir_json(stdout, &dirs[1], b.tx_dropped, a.rx_dropped);
  printf("}\n");
  fflush(stdout);
}

static void usage(void) {
  die("usage: pqtls-relay --a-ns PATH --a-dev NAME --b-ns PATH --b-dev NAME [--rt PRIO]");
}

int main(int argc, char **argv) {
  const char *a_ns = NULL, *a_dev = NULL, *b_ns = NULL, *b_dev = NULL;
  int rt_prio = 0;
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) usage();
    if (!strcmp(argv[i], "--a-ns")) a_ns = argv[++i];
    else if (!strcmp(argv[i], "--a-dev")) a_dev = argv[++i];
    else if (!strcmp(argv[i], "--b-ns")) b_ns = argv[++i];
    else if (!strcmp(argv[i], "--b-dev")) b_dev = argv[++i];
    else if (!strcmp(argv[i], "--rt")) rt_prio = atoi(argv[++i]);
    else usage();
  }
  if (!a_ns || !a_dev || !b_ns || !b_dev) usage();

  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) return 0;
  prctl(PR_SET_TIMERSLACK, 1UL);
  /* Page faults in the packet path would show up as lateness. */
  mlockall(MCL_CURRENT | MCL_FUTURE);

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL); /* threads inherit the mask; the control loop reads a signalfd */
  signal(SIGPIPE, SIG_IGN);
  int sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
  if (pipe2(stop_pipe, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));

  open_tun_in(a_ns, a_dev, &tuns[0]);
  open_tun_in(b_ns, b_dev, &tuns[1]);
  int fd_a = tuns[0].fd, fd_b = tuns[1].fd;
  const char *names[2] = {"up", "down"};
  int ins[2] = {fd_a, fd_b}, outs[2] = {fd_b, fd_a};
  for (int i = 0; i < 2; i++) {
    struct direction *d = &dirs[i];
    d->name = names[i];
    d->in_fd = ins[i];
    d->out_fd = outs[i];
    d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (d->timer_fd < 0) die("timerfd: %s", strerror(errno));
    d->params = calloc(1, sizeof *d->params);
    d->params->limit = 1000;
    rng_seed(d->rng_loss, 2 * 1 + i);
    rng_seed(d->rng_jitter, ~(uint64_t)(2 * 1 + i));
    d->params->seed = 1;
    d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    d->ctl_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    d->ring = calloc(RING_SIZE, sizeof *d->ring);
    if (d->wake_fd < 0 || d->ctl_fd < 0 || !d->ring) die("eventfd/ring: %s", strerror(errno));
    atomic_store(&d->writer_wake_at, INT64_MAX);
    pthread_attr_t attr, plain;
    pthread_attr_init(&attr);
    pthread_attr_init(&plain);
    if (pthread_attr_setstacksize(&attr, THREAD_STACK) || pthread_attr_setstacksize(&plain, THREAD_STACK))
      die("pthread_attr_setstacksize failed");
    if (rt_prio > 0) {
      struct sched_param sp = {.sched_priority = rt_prio};
      pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
      pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
      pthread_attr_setschedparam(&attr, &sp);
      /* Writers at rt_prio, readers one above: a reader only copies a packet out, and must never wait
         behind a writer, or the sender's TUN ring fills. */
      d->rt = pthread_create(&d->writer, &attr, writer_main, d) == 0;
      sp.sched_priority = rt_prio + 1;
      pthread_attr_setschedparam(&attr, &sp);
      if (d->rt && pthread_create(&d->reader, &attr, reader_main, d) != 0) die("pthread_create failed");
    }
    if (!d->rt && (pthread_create(&d->reader, &plain, reader_main, d) != 0 ||
                   pthread_create(&d->writer, &plain, writer_main, d) != 0))
      die("pthread_create failed");
    pthread_attr_destroy(&attr);
    pthread_attr_destroy(&plain);
  }
  printf("{\"ready\":true,\"rt\":%s}\n", dirs[0].rt && dirs[1].rt ? "true" : "false");
  fflush(stdout);

  char line[4096];
  size_t have = 0;
  struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {sig_fd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) break;
    if (!(fds[0].revents & (POLLIN | POLLHUP))) continue;
    ssize_t r = read(STDIN_FILENO, line + have, sizeof line - 1 - have);
    if (r <= 0) break;
    have += (size_t)r;
    line[have] = 0;
    char *nl;
    int quit = 0;
    while ((nl = strchr(line, '\n'))) {
      *nl = 0;
      if (!strncmp(line, "set ", 4)) {
        char *rest = line + 4;
        int which = !strncmp(rest, "up ", 3) || !strcmp(rest, "up") ? 0
                    : (!strncmp(rest, "down ", 5) || !strcmp(rest, "down")) ? 1
                                                                              : -1;
        if (which < 0) {
          printf("error set needs up or down\n");
        } else {
          struct direction *d = &dirs[which];
          /* Build on the newest parameters, published or not. */
          struct params *base = atomic_load(&d->pending);
          struct params *next = malloc(sizeof *next);
          memcpy(next, base ? base : d->params, sizeof *next);
          const char *err = parse_set(next, rest + (which ? 4 : 2));
          if (err) {
            printf("error %s\n", err);
            free(next);
          } else {
            struct params *old = atomic_exchange(&d->pending, next);
            if (old && !next->reseed && old->reseed) next->reseed = 1, next->seed = old->seed;
            free(old);
            /* wake the reader so the change applies before the next packet */
            uint64_t one = 1;
            if (write(d->ctl_fd, &one, sizeof one) < 0) die("eventfd write");
            printf("ok\n");
          }
        }
      } else if (!strcmp(line, "stats")) {
        print_stats("stats");
      } else if (!strcmp(line, "quit")) {
        quit = 1;
      } else if (line[0]) {
        printf("error unknown command\n");
      }
      fflush(stdout);
      size_t used = (size_t)(nl + 1 - line);
      memmove(line, nl + 1, have - used + 1);
      have -= used;
      if (quit) break;
    }
    if (quit) break;
    if (have >= sizeof line - 1) have = 0; /* an absurdly long line: drop it */
  }
  if (write(stop_pipe[1], "x", 1) < 0) die("stop pipe");
  for (int i = 0; i < 2; i++) {
    pthread_join(dirs[i].reader, NULL);
    pthread_join(dirs[i].writer, NULL);
  }
  print_stats("final");
  return 0;
}
