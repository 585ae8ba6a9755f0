// What a TLS handshake settled, in the words `pqtls serve` and `pqtls connect` both report it
// (text and --json), so the two sides of one connection describe it with the same fields.

import type { TlsSocket } from "@pqtls/tls13";

export function negotiated(sock: TlsSocket) {
  return {
    protocol: sock.getProtocol(),
    cipherSuite: sock.cipherSuite,
    group: sock.group,
    signatureScheme: sock.signatureScheme,
    helloRetryRequest: sock.helloRetryRequest,
    alpn: sock.alpnProtocol || null,
    servername: sock.servername ?? null,
  };
}
