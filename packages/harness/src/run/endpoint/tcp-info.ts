// TCP_INFO of an endpoint's socket, through the harness's Node-API addon
// (native/tcpinfo.c → native/build/pqtls-tcpinfo.node): what the kernel's TCP did on a measured
// connection (congestion window, retransmissions, RTT, what limited the sender), which Node does
// not expose. Loaded by the endpoint programs under either Node (20 for pqtls, 24 for openssl).
// Without the addon (no compiler at build time) every read is null and rows carry no tcp_info.

import { createRequire } from "node:module";
import type { Socket } from "node:net";
// Types only (erased at run time): the endpoint programs import nothing from the runner.
import type { TcpInfo } from "@pqtls/report";

interface Addon {
  tcpInfo(fd: number): TcpInfo | null;
}

let addon: Addon | null | undefined;

function load(): Addon | null {
  if (addon !== undefined) return addon;
  try {
    // dist/run/endpoint/tcp-info.js → packages/harness/native/build
    addon = createRequire(import.meta.url)("../../../native/build/pqtls-tcpinfo.node") as Addon;
  } catch {
    addon = null;
  }
  return addon;
}

/** Whether TCP_INFO can be read here (the addon is built and loads). */
export function tcpInfoAvailable(): boolean {
  return load() !== null;
}

/**
 * The file descriptor under a TCP net.Socket (libuv's handle has it on Unix), or null. Read it while
 * the socket is connected: a TLS stack that wraps the socket may take its handle over later.
 */
export function socketFd(socket: Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : null;
}

/** getsockopt(TCP_INFO) on `fd`; null when unavailable or `fd` is not a TCP socket. */
export function tcpInfo(fd: number | null): TcpInfo | null {
  if (fd === null) return null;
  return load()?.tcpInfo(fd) ?? null;
}
