/*
 * pqtls-tcpinfo.node: getsockopt(TCP_INFO) for the endpoint programs, so a row can say what the
 * kernel's TCP did on its connection (congestion window, retransmissions, RTT, what limited the
 * sender). Node has no API for it. Node-API only, so one build loads under Node 20 (pqtls engine)
 * and Node 24 (openssl engine).
 *
 * tcpInfo(fd) -> object, or null when fd is not a TCP socket. The length handed to the kernel is
 * the struct's size and the kernel writes back how much it filled: a field beyond that (an older
 * kernel) is null, never whatever was in the buffer (an earlier harness read uninitialised stats).
 */
#define NAPI_VERSION 8
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#define FILLED(field) (offsetof(struct tcp_info, field) + sizeof(((struct tcp_info *)0)->field) <= len)

static void set_number(napi_env env, napi_value obj, const char *name, double value, int present) {
  napi_value v;
  if (present)
    napi_create_double(env, value, &v);
  else
    napi_get_null(env, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value tcp_info_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  napi_get_null(env, &result);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return result;
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) return result;

  struct tcp_info ti;
  memset(&ti, 0, sizeof ti);
  socklen_t len = sizeof ti;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0) return result;

  napi_create_object(env, &result);
  set_number(env, result, "state", ti.tcpi_state, FILLED(tcpi_state));
  set_number(env, result, "ca_state", ti.tcpi_ca_state, FILLED(tcpi_ca_state));
  set_number(env, result, "snd_cwnd", ti.tcpi_snd_cwnd, FILLED(tcpi_snd_cwnd));
  /* The kernel reports "no slow-start threshold yet" as 0x7fffffff (TCP_INFINITE_SSTHRESH). */
  set_number(env, result, "snd_ssthresh", ti.tcpi_snd_ssthresh,
             FILLED(tcpi_snd_ssthresh) && ti.tcpi_snd_ssthresh < 0x7fffffff);
  set_number(env, result, "snd_mss", ti.tcpi_snd_mss, FILLED(tcpi_snd_mss));
  set_number(env, result, "rtt_us", ti.tcpi_rtt, FILLED(tcpi_rtt));
  set_number(env, result, "rttvar_us", ti.tcpi_rttvar, FILLED(tcpi_rttvar));
  set_number(env, result, "min_rtt_us", ti.tcpi_min_rtt, FILLED(tcpi_min_rtt));
  set_number(env, result, "rto_us", ti.tcpi_rto, FILLED(tcpi_rto));
  set_number(env, result, "total_retrans", ti.tcpi_total_retrans, FILLED(tcpi_total_retrans));
  set_number(env, result, "lost", ti.tcpi_lost, FILLED(tcpi_lost));
  set_number(env, result, "unacked", ti.tcpi_unacked, FILLED(tcpi_unacked));
  set_number(env, result, "reordering", ti.tcpi_reordering, FILLED(tcpi_reordering));
  set_number(env, result, "segs_out", ti.tcpi_segs_out, FILLED(tcpi_segs_out));
  set_number(env, result, "segs_in", ti.tcpi_segs_in, FILLED(tcpi_segs_in));
  set_number(env, result, "data_segs_out", ti.tcpi_data_segs_out, FILLED(tcpi_data_segs_out));
  set_number(env, result, "data_segs_in", ti.tcpi_data_segs_in, FILLED(tcpi_data_segs_in));
  set_number(env, result, "bytes_acked", (double)ti.tcpi_bytes_acked, FILLED(tcpi_bytes_acked));
  set_number(env, result, "bytes_received", (double)ti.tcpi_bytes_received, FILLED(tcpi_bytes_received));
  set_number(env, result, "bytes_sent", (double)ti.tcpi_bytes_sent, FILLED(tcpi_bytes_sent));
  set_number(env, result, "bytes_retrans", (double)ti.tcpi_bytes_retrans, FILLED(tcpi_bytes_retrans));
  set_number(env, result, "delivery_rate_bps", (double)ti.tcpi_delivery_rate * 8, FILLED(tcpi_delivery_rate));
  set_number(env, result, "busy_us", (double)ti.tcpi_busy_time, FILLED(tcpi_busy_time));
  set_number(env, result, "rwnd_limited_us", (double)ti.tcpi_rwnd_limited, FILLED(tcpi_rwnd_limited));
  set_number(env, result, "sndbuf_limited_us", (double)ti.tcpi_sndbuf_limited, FILLED(tcpi_sndbuf_limited));
  set_number(env, result, "dsack_dups", ti.tcpi_dsack_dups, FILLED(tcpi_dsack_dups));
  set_number(env, result, "reord_seen", ti.tcpi_reord_seen, FILLED(tcpi_reord_seen));
  set_number(env, result, "rcv_ooopack", ti.tcpi_rcv_ooopack, FILLED(tcpi_rcv_ooopack));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "tcpInfo", NAPI_AUTO_LENGTH, tcp_info_of, NULL, &fn);
  napi_set_named_property(env, exports, "tcpInfo", fn);
  return exports;
}
