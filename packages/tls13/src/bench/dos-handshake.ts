// The handshake-level DoS shapes of issue 13, as benchmark scenarios (see dos.ts): tiny-record
// fragmentation, maximal and oversized ClientHellos, many key shares, a KeyUpdate flood.

import { ContentType } from "../wire/codepoints.js";
import {
  clientHelloWithKeyShares,
  deliver,
  handshakeRecords,
  type Peer,
  paddedClientHello,
  plaintextRecords,
} from "./adversary.js";
import type { DosContext, DosOutcome, DosScenario } from "./dos.js";

function outcome(p: Peer): DosOutcome {
  if (p.failure) return p.failure.alertName;
  return p.done ? "completed" : p.out.length ? "flight sent" : "waiting";
}

/** A server fed `records` one record per feed() (as separate TCP segments would arrive), until it closes. */
function serverFedRecordByRecord(ctx: DosContext, records: Uint8Array): () => DosOutcome {
  const server = ctx.lab.peer("server");
  return () => {
    for (let o = 0; o < records.length && !server.conn.isClosed; ) {
      const len = 5 + ((records[o + 3] << 8) | records[o + 4]);
      server.conn.feed(records.subarray(o, o + len));
      o += len;
    }
    return outcome(server);
  };
}

/** A server fed `bytes` in one feed(). */
function serverFed(ctx: DosContext, bytes: Uint8Array): () => DosOutcome {
  const server = ctx.lab.peer("server");
  return () => {
    server.conn.feed(bytes);
    return outcome(server);
  };
}

export const HANDSHAKE_DOS_SCENARIOS: readonly DosScenario[] = [
  {
    id: "tiny-records",
    label: "60 KB ClientHello, 1-byte records",
    prepare: (ctx) =>
      serverFedRecordByRecord(ctx, handshakeRecords(paddedClientHello(ctx.lab.clientHello(), 60_000), 1)),
  },
  {
    id: "small-records",
    label: "60 KB ClientHello, 32-byte records",
    prepare: (ctx) =>
      serverFedRecordByRecord(ctx, handshakeRecords(paddedClientHello(ctx.lab.clientHello(), 60_000), 32)),
  },
  {
    id: "oversized-client-hello",
    label: "256 KiB ClientHello, 1-byte records",
    prepare: (ctx) => {
      const body = new Uint8Array(256 * 1024);
      body.set(ctx.lab.clientHello().subarray(4));
      const message = new Uint8Array(4 + body.length);
      message.set([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
      message.set(body, 4);
      return serverFedRecordByRecord(ctx, plaintextRecords(ContentType.handshake, message, 1));
    },
  },
  {
    id: "maximal-client-hello",
    label: "64 KiB ClientHello (the cap)",
    prepare: (ctx) => serverFed(ctx, handshakeRecords(paddedClientHello(ctx.lab.clientHello(), 65_536))),
  },
  {
    id: "many-key-shares",
    label: "9,000 key shares",
    prepare: (ctx) =>
      serverFed(ctx, handshakeRecords(clientHelloWithKeyShares(ctx.lab.clientHello(), 9000, false))),
  },
  {
    id: "key-update-flood",
    label: "5,000 KeyUpdate(update_requested)",
    prepare: (ctx) => {
      const { client, server } = ctx.lab.handshake();
      const flood: Uint8Array[] = [];
      for (let i = 0; i < 5000; i++) {
        client.conn.keyUpdate(true);
        flood.push(Buffer.concat(client.out.splice(0)));
      }
      return () => {
        for (const r of flood) if (!server.conn.isClosed) server.conn.feed(r);
        deliver(client, server);
        return outcome(server);
      };
    },
  },
];
