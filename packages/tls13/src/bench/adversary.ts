// A hostile peer in a box: in-memory connections of both roles (sans-I/O, no sockets) and the
// hostile inputs of issue 13 built from genuine messages: ClientHellos padded to the limit or
// stuffed with key shares, handshake messages cut into tiny records, KeyUpdate floods. The DoS
// benchmark (dos.ts) and the resource-limit tests drive the same shapes; CPU is measured with
// process.cpuUsage, so a busy machine slows both sides of a ratio alike.

import { Connection } from "../connection.js";
import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import type { TlsAlert } from "../errors.js";
import { ClientHandshake } from "../handshake/client.js";
import {
  type ClientConfig,
  resolveClientConfig,
  resolveServerConfig,
  type ServerConfig,
} from "../handshake/config.js";
import { ServerHandshake } from "../handshake/server.js";
import type { ClientOptions, ServerOptions } from "../options.js";
import { Writer } from "../wire/bytes.js";
import { type ClientHello, parseClientHello, serializeClientHello } from "../wire/client_hello.js";
import { ContentType, ExtensionType } from "../wire/codepoints.js";
import { encodeU16List } from "../wire/extensions.js";
import type { Certificate } from "../x509/index.js";

export interface Peer {
  conn: Connection;
  /** Transport writes, in order. */
  out: Uint8Array[];
  failure?: TlsAlert;
  done: boolean;
  received: Uint8Array[];
}

export interface LabCredentials {
  chain: Certificate[];
  leafKey: PrivateKey;
  root: Certificate;
}

/** Configurations for both roles, and connections made from them. */
export class Lab {
  readonly server: ServerConfig;
  readonly client: ClientConfig;

  constructor(
    readonly provider: CryptoProvider,
    credentials: LabCredentials,
    options: { client?: Partial<ClientOptions>; server?: Partial<ServerOptions> } = {},
  ) {
    this.server = resolveServerConfig(
      { cert: credentials.chain, key: credentials.leafKey, tickets: 0, ...options.server },
      provider,
    );
    this.client = resolveClientConfig(
      {
        ca: credentials.root,
        servername: "localhost",
        groups: ["x25519"],
        keyShares: ["x25519"],
        ...options.client,
      },
      provider,
    );
  }

  peer(role: "client" | "server", config: ClientConfig | ServerConfig = this[role]): Peer {
    const p: Peer = { conn: undefined as unknown as Connection, out: [], done: false, received: [] };
    p.conn = new Connection(
      {
        role,
        provider: this.provider,
        padding: config.padding,
        hooks: config.hooks,
        maxCertificateBytes: config.maxCertificateBytes,
        maxRecordsPerKey: config.maxRecordsPerKey,
      },
      {
        write: (chunks) => p.out.push(Buffer.concat(chunks)),
        appData: (d) => p.received.push(new Uint8Array(d)),
        handshakeComplete: () => {
          p.done = true;
        },
        peerClosed: () => {},
        failed: (e) => {
          p.failure = e;
        },
      },
    );
    p.conn.begin(
      role === "client"
        ? new ClientHandshake(p.conn, config as ClientConfig)
        : new ServerHandshake(p.conn, config as ServerConfig),
    );
    return p;
  }

  /** A complete handshake between two fresh peers; throws when it does not complete. */
  handshake(): { client: Peer; server: Peer } {
    const server = this.peer("server");
    const client = this.peer("client");
    deliver(client, server);
    if (!client.done || !server.done)
      throw new Error(`handshake failed: ${client.failure?.message ?? server.failure?.message ?? "stalled"}`);
    return { client, server };
  }

  /** A genuine first ClientHello message (4-byte header included) from a fresh client. */
  clientHello(): Uint8Array {
    const rec = this.peer("client").out[0];
    return rec.subarray(5, 5 + ((rec[3] << 8) | rec[4]));
  }
}

/** Passes flights back and forth until both sides are quiet (bounded). */
export function deliver(a: Peer, b: Peer): void {
  for (let round = 0; round < 32; round++) {
    const ab = a.out.splice(0);
    const ba = b.out.splice(0);
    if (!ab.length && !ba.length) return;
    for (const chunk of ab) b.conn.feed(chunk);
    for (const chunk of ba) a.conn.feed(chunk);
  }
}

/** `data` as plaintext records of `size` bytes each (the last may be shorter). */
export function plaintextRecords(type: number, data: Uint8Array, size: number): Uint8Array {
  const count = Math.ceil(data.length / size);
  const out = new Uint8Array(data.length + 5 * count);
  let o = 0;
  for (let at = 0; at < data.length; at += size) {
    const part = data.subarray(at, at + size);
    out.set([type, 3, 3, part.length >> 8, part.length & 0xff], o);
    out.set(part, o + 5);
    o += 5 + part.length;
  }
  return out;
}

/** Handshake bytes as plaintext handshake records of `size` bytes. */
export function handshakeRecords(message: Uint8Array, size = 16384): Uint8Array {
  return plaintextRecords(ContentType.handshake, message, size);
}

function edit(clientHello: Uint8Array, change: (ch: ClientHello) => void): Uint8Array {
  const ch = parseClientHello(clientHello.subarray(4));
  change(ch);
  return serializeClientHello(ch).raw;
}

/**
 * The ClientHello grown by a padding extension (RFC 7685) to a body of exactly `bodyLength` bytes,
 * within the 64 KiB of extensions a ClientHello can carry. A body over 65536 is the most we accept.
 */
export function paddedClientHello(clientHello: Uint8Array, bodyLength: number): Uint8Array {
  const grow = bodyLength - (clientHello.length - 4) - 4; // the extension's own type and length
  if (grow < 0) throw new RangeError(`ClientHello is already over ${bodyLength} bytes`);
  return edit(clientHello, (ch) => {
    // Before pre_shared_key, which must stay last.
    ch.extensions.splice(0, 0, { type: ExtensionType.padding, data: new Uint8Array(grow) });
  });
}

/**
 * The ClientHello carrying `count` extra key shares of unassigned groups (1-byte keys), each also
 * listed in supported_groups when `listed` (so only the count can be objected to).
 */
export function clientHelloWithKeyShares(
  clientHello: Uint8Array,
  count: number,
  listed: boolean,
): Uint8Array {
  return edit(clientHello, (ch) => {
    const fake = Array.from({ length: count }, (_, i) => 0x4000 + i);
    for (const e of ch.extensions) {
      if (e.type === ExtensionType.key_share) {
        // Our shares first, then the genuine ones, in one client_shares list.
        const w = new Writer().begin(2);
        for (const group of fake) w.u16(group).vec16(Uint8Array.of(1));
        e.data = w.bytes(e.data.subarray(2)).end().finish();
      }
      if (e.type === ExtensionType.supported_groups && listed) {
        const w = new Writer();
        const groups: number[] = [];
        for (let i = 2; i < e.data.length; i += 2) groups.push((e.data[i] << 8) | e.data[i + 1]);
        encodeU16List([...groups, ...fake], w);
        e.data = w.finish();
      }
    }
  });
}

/** CPU milliseconds (user + system) that `fn` takes. */
export function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
}

/** The median CPU ms of `runs` calls of `fn`. */
export function medianCpuMs(fn: () => void, runs: number): number {
  const xs = Array.from({ length: runs }, () => cpuMs(fn)).sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)];
}
