// The stdio protocol between the runner and its endpoint programs: one JSON object per line.
// Endpoints run inside the lane's namespaces under the engine's own Node (Node 24 for openssl), so
// this file holds the types and one plain constructor both sides need, and the programs import
// nothing from the runner.

// Types only (erased at run time): the engine names are the registry's.
import type { RowMeasurement, TcpInfo } from "@pqtls/report";
import type { EngineName } from "@pqtls/report/dimensions";

export type { EngineName };

/** One TLS server of the server program (argv[2] is an array of them, one engine). */
export interface ServerOptions {
  engine: EngineName;
  host: string;
  /** 0 = any free port; the chosen one comes back in the ready message. */
  port: number;
  /** PEM files: the leaf first, then intermediates (the chain the server sends). */
  certFile: string;
  keyFile: string;
  /** Groups the server accepts (IANA names from codepoints.ts). */
  groups: string[];
  suites: string[];
  /** Resumed/0rtt cells use this server: keep sessions resumable and (pqtls) accept 0-RTT. */
  resumption?: boolean;
  /** Path of an experiment hooks module; its `server` export goes to createServer (pqtls engine). */
  hooks?: string;
  /** RFC 8879 algorithm the server compresses its certificate with, when the client offers it (pqtls engine). */
  certCompression?: string;
  /** mTLS: request a client certificate and verify it against this PEM root (refusing a client without one). */
  clientCaFile?: string;
  /** chain_reduction (pqtls engine; absent = none): the mechanism the server offers, set up from its chain and `rootFile`. */
  chainReduction?: string;
  /** PEM file with the root of the chain (abridged builds its list from it). */
  rootFile?: string;
}

/** How a measured connection starts (the runner's `resumption` dimension). */
export type ResumeMode = "full" | "resumed" | "0rtt";

/** argv[2] of the client driver. */
export interface ClientOptions {
  engine: EngineName;
}

/** Runner → client driver: make one measured connection. */
export interface ConnectCommand {
  type: "connect";
  id: number;
  host: string;
  port: number;
  servername: string;
  /** PEM file with the root the client trusts. */
  caFile: string;
  kex: string;
  suite: string;
  /** Response body size; 0 = handshake only, no request. */
  bytes: number;
  timeoutMs: number;
  /**
   * prime: an unmeasured connection that only waits for a session ticket, kept by the driver for
   * the next connection to the same server. resume: the measured connection resumes that ticket
   * ("resumed"), sending the request as 0-RTT early data ("0rtt"); absent = "full".
   */
  prime?: boolean;
  resume?: ResumeMode;
  /** Path of an experiment hooks module; its `client` export goes to connect (pqtls engine). */
  hooks?: string;
  /** RFC 8879 algorithm the client offers (alone); the connection fails unless the server used it. */
  certCompression?: string;
  /** mTLS: PEM files of the chain (leaf first) and key the client authenticates with; it must send them. */
  clientCertFile?: string;
  clientKeyFile?: string;
  /** chain_reduction (pqtls engine; absent = none): the mechanism the client uses. */
  chainReduction?: string;
  /** client_knowledge (absent = none): which of the chain's CA certificates the client holds. */
  clientKnowledge?: string;
  /** PEM file of the chain the server sends (leaf, then CA certificates): what the client may know. */
  chainFile?: string;
  /**
   * client_knowledge cached: an unmeasured connection before the measured one, which fills the
   * driver's store of CA certificates for this chain (its result is only ok or not).
   */
  warmup?: boolean;
}

/** One connection's result. Times are ms from t0 (just before the TCP connect), null when not reached. */
/**
 * One connection as the client driver measured it: the row's measurement fields (@pqtls/report's
 * row format, so the two cannot drift) and what the driver adds for the runner.
 */
export interface Measurement
  extends Pick<
    RowMeasurement,
    | "ok"
    | "error"
    | "tcp_connect_ms"
    | "handshake_ms"
    | "ttfb_ms"
    | "ttlb_ms"
    | "hs_bytes_c2s"
    | "hs_bytes_s2c"
  > {
  close_ms: number | null;
  /** What was negotiated, as the engine names it in IANA spelling. */
  group: string | null;
  suite: string | null;
  body_bytes: number;
  local_port: number | null;
  /** Whether the handshake resumed a session (null when it did not complete). */
  resumed?: boolean | null;
  /** 0-RTT: whether the server accepted the early data (null when none was offered). */
  early_data?: boolean | null;
  /** As the row's; absent before the handshake completed. */
  cert_msg_bytes?: RowMeasurement["cert_msg_bytes"];
  /** The RFC 8879 algorithm the server compressed its certificate with (null: plain Certificate). */
  cert_compression?: string | null;
  /** The client socket's TCP_INFO at the last body byte (the handshake's end for bytes = 0). */
  tcp_info?: TcpInfo | null;
}

/** The measurement of a connection that got nowhere (or of a priming connection): nothing timed. */
export function failedMeasurement(error: string | null): Measurement {
  return {
    ok: false,
    error,
    tcp_connect_ms: null,
    handshake_ms: null,
    ttfb_ms: null,
    ttlb_ms: null,
    close_ms: null,
    hs_bytes_c2s: null,
    hs_bytes_s2c: null,
    group: null,
    suite: null,
    body_bytes: 0,
    local_port: null,
  };
}

export type EndpointMessage =
  /**
   * A server process's `ports` are its servers' in the order of its options (`port` is the first);
   * `tcpInfo`: it reports each connection's TCP_INFO (conn-info lines).
   */
  | {
      type: "ready";
      pid: number;
      port?: number;
      ports?: number[];
      tcpInfo?: boolean;
      versions: Record<string, string>;
    }
  | ({ type: "result"; id: number } & Measurement)
  | { type: "conn-error"; port: number | null; message: string }
  /** The server socket's TCP_INFO when the client's FIN arrived, by the client's port. */
  | { type: "conn-info"; port: number; tcp_info: TcpInfo }
  | { type: "fatal"; message: string };
