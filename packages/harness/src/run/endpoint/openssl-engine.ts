// The `openssl` engine: Node's own node:tls (OpenSSL 3.5 when run under the Node 24 peer) at both
// ends, the production stack every pqtls result can be checked against. TLS 1.3 only; the group and
// suite are pinned per connection so the client offers exactly the cell's key exchange.

import type { Socket } from "node:net";
import tls from "node:tls";
import type { ClientEngine, ServerEngine } from "./engine.js";

/** IANA group names (codepoints.ts) → OpenSSL's group names. */
const OPENSSL_GROUPS: Record<string, string> = {
  secp256r1: "P-256",
  secp384r1: "P-384",
  x25519: "X25519",
  MLKEM512: "MLKEM512",
  MLKEM768: "MLKEM768",
  MLKEM1024: "MLKEM1024",
  SecP256r1MLKEM768: "SecP256r1MLKEM768",
  X25519MLKEM768: "X25519MLKEM768",
  SecP384r1MLKEM1024: "SecP384r1MLKEM1024",
};

function opensslGroup(name: string): string {
  const g = OPENSSL_GROUPS[name];
  if (!g) throw new Error(`openssl engine: no OpenSSL name for group ${name}`);
  return g;
}

/** OpenSSL's name for the negotiated group → IANA spelling. */
function ianaGroup(name: string | undefined): string | null {
  if (!name) return null;
  for (const [iana, ossl] of Object.entries(OPENSSL_GROUPS))
    if (ossl.toLowerCase() === name.toLowerCase()) return iana;
  return name;
}

export const opensslClient: ClientEngine = {
  connect(raw: Socket, o) {
    const socket = tls.connect({
      socket: raw,
      servername: o.servername,
      ca: o.ca,
      ecdhCurve: opensslGroup(o.kex),
      ciphers: o.suite,
      minVersion: "TLSv1.3" as const,
      maxVersion: "TLSv1.3" as const,
      ...(o.session ? { session: o.session } : {}),
      ...(o.clientCert ? { cert: o.clientCert.cert, key: o.clientCert.key } : {}),
    });
    return {
      socket,
      negotiated: () => ({
        group: ianaGroup((socket.getEphemeralKeyInfo() as { name?: string } | null)?.name),
        suite: socket.getCipher()?.standardName ?? null,
        resumed: socket.isSessionReused(),
        earlyDataAccepted: null, // node:tls has no 0-RTT
        // Our own certificate as OpenSSL used it; an empty object when none was sent.
        clientCertSent: Object.keys(socket.getCertificate() ?? {}).length > 0,
      }),
    };
  },
};

export const opensslServer: ServerEngine = {
  listen(o, material, handlers) {
    const server = tls.createServer({
      cert: material.cert,
      key: material.key,
      ecdhCurve: o.groups.map(opensslGroup).join(":"),
      ciphers: o.suites.join(":"),
      minVersion: "TLSv1.3" as const,
      maxVersion: "TLSv1.3" as const,
      // Tickets are sent after the handshake and are never used: resumption is not measured here.
      // Tickets that resume only for resumption cells (otherwise as before: sessions expire at once).
      sessionTimeout: o.resumption ? 7200 : 0,
      // mTLS: every full handshake asks for the client's chain; one that does not verify is refused.
      ...(material.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: material.clientCa } : {}),
    });
    // A failed socket has forgotten its peer by the time tlsClientError fires: remember the client's
    // port on the TCP socket (node:tls keeps it as the TLS socket's _parent).
    const ports = new WeakMap<object, number>();
    const portOf = (s: tls.TLSSocket): number | null => {
      const parent = (s as unknown as { _parent?: object })._parent;
      return s.remotePort ?? (parent ? ports.get(parent) : undefined) ?? null;
    };
    server.on("connection", (raw: Socket) => {
      raw.setNoDelay(true);
      if (raw.remotePort !== undefined) ports.set(raw, raw.remotePort);
      handlers.onConnection(raw);
    });
    server.on("secureConnection", (socket) => handlers.onSecure(socket, portOf(socket)));
    server.on("tlsClientError", (err, socket) => handlers.onError(err, portOf(socket)));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        const addr = server.address();
        resolve(typeof addr === "object" && addr ? addr.port : o.port);
      });
    });
  },
};
