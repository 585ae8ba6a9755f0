// RFC 8446 §4.1.2: the server compares the ClientHello that follows its HelloRetryRequest with the
// first one. A client hook rewrites the second ClientHello just before it is sent; every change the
// RFC does not allow is illegal_parameter, the allowed ones (padding, key_share, cookie) go through.

import { describe, expect, it } from "vitest";
import { accept, connect, nobleProvider, type TlsAlert } from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { type ClientHello, parseClientHello, serializeClientHello } from "../src/wire/client_hello.js";
import { ExtensionType } from "../src/wire/codepoints.js";
import { duplexPair, once, testChain } from "./helpers.js";

const chain = testChain("ecdsa-p256");
// The client shares x25519 only; the server wants secp256r1: always a HelloRetryRequest.
const server: ServerOptions = {
  cert: chain.chain,
  key: chain.leafKey,
  provider: nobleProvider,
  groups: ["secp256r1"],
};

/** A client whose second ClientHello is rewritten by `edit` (the first goes out untouched). */
function client(edit: (hello: ClientHello) => void): ClientOptions {
  return {
    ca: chain.root,
    servername: "localhost",
    provider: nobleProvider,
    groups: ["x25519", "secp256r1"],
    keyShares: ["x25519"],
    ALPNProtocols: ["http/1.1"],
    hooks: {
      onSend(msg, ctx) {
        if (msg.type !== "client_hello") return;
        ctx.state.hellos = ((ctx.state.hellos as number) ?? 0) + 1;
        if (ctx.state.hellos !== 2) return;
        const hello = parseClientHello(msg.body);
        edit(hello);
        return serializeClientHello(hello).body;
      },
    },
  };
}

async function handshake(opts: ClientOptions) {
  const [a, b] = duplexPair();
  const s = accept(b, server);
  const c = connect({ ...opts, socket: a });
  const outcome = await Promise.race([
    Promise.all([once(c, "secureConnect"), once(s, "secure")]).then(() => "ok" as const),
    once<TlsAlert>(s, "error"),
  ]);
  c.destroy();
  s.destroy();
  return { outcome, c };
}

const ext = (hello: ClientHello, type: number) => hello.extensions.find((e) => e.type === type)!;

describe("the second ClientHello after HelloRetryRequest", () => {
  it("is accepted when unchanged apart from the new key share and the cookie", async () => {
    const { outcome, c } = await handshake(client(() => {}));
    expect(outcome).toBe("ok");
    expect(c.helloRetryRequest).toBe(true);
  });

  it("may add padding (RFC 8446 §4.1.2 lets it add, remove or resize padding)", async () => {
    const { outcome } = await handshake(
      client((h) => {
        h.extensions.splice(1, 0, { type: ExtensionType.padding, data: new Uint8Array(100) });
      }),
    );
    expect(outcome).toBe("ok");
  });

  it("may list its extensions in another order", async () => {
    const { outcome } = await handshake(
      client((h) => {
        const [a, b] = h.extensions;
        h.extensions[0] = b;
        h.extensions[1] = a;
      }),
    );
    expect(outcome).toBe("ok");
  });

  const changes: Array<[string, (h: ClientHello) => void, RegExp]> = [
    ["random", (h) => (h.random = h.random.map((x) => x ^ 1)), /changes random/],
    [
      "legacy_session_id",
      (h) => (h.legacySessionId = new Uint8Array(32).fill(9)),
      /changes legacy_session_id/,
    ],
    ["cipher_suites", (h) => (h.cipherSuites = [...h.cipherSuites].reverse()), /changes cipher_suites/],
    ["legacy_version", (h) => (h.legacyVersion = 0x0302), /changes legacy_version/],
    [
      "supported_groups",
      (h) => (ext(h, ExtensionType.supported_groups).data = Uint8Array.of(0, 4, 0, 0x17, 0, 0x1d)),
      /changes supported_groups/,
    ],
    [
      "signature_algorithms (dropped)",
      (h) => (h.extensions = h.extensions.filter((e) => e.type !== ExtensionType.signature_algorithms)),
      /drops signature_algorithms/,
    ],
    [
      "ALPN",
      (h) =>
        (ext(h, ExtensionType.application_layer_protocol_negotiation).data = Uint8Array.of(
          0,
          3,
          2,
          0x68,
          0x32,
        )),
      /changes application_layer_protocol_negotiation/,
    ],
    [
      "a new extension (server_name)",
      (h) => {
        h.extensions = h.extensions.filter((e) => e.type !== ExtensionType.server_name);
        h.extensions.unshift({ type: ExtensionType.record_size_limit, data: Uint8Array.of(0x40, 0) });
      },
      /drops server_name|adds record_size_limit/,
    ],
    [
      "early_data",
      (h) => h.extensions.push({ type: ExtensionType.early_data, data: new Uint8Array(0) }),
      /still offers early_data/,
    ],
    [
      "a pre_shared_key the first did not have",
      (h) =>
        h.extensions.push({
          type: ExtensionType.pre_shared_key,
          // one identity "abc" with age 0, one 32-byte binder
          data: Uint8Array.of(0, 9, 0, 3, 0x61, 0x62, 0x63, 0, 0, 0, 0, 0, 33, 32, ...new Uint8Array(32)),
        }),
      /adds pre_shared_key/,
    ],
  ];

  it.each(changes)("is illegal_parameter when it changes %s", async (_what, edit, reason) => {
    const { outcome } = await handshake(client(edit));
    expect(outcome).not.toBe("ok");
    const err = outcome as TlsAlert;
    expect(err.alertName).toBe("illegal_parameter");
    expect(err.message).toMatch(reason);
  });
});
