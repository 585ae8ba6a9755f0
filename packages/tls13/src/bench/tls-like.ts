// The slice of node:tls our stack mirrors, so one benchmark loop measures both (node:tls runs it
// under Node 24 in a child process; our stack runs it in-process with a chosen provider).

import type { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";

export interface TlsSocketLike extends EventEmitter {
  write(data: Uint8Array, callback?: (err?: Error | null) => void): boolean;
  end(callback?: () => void): unknown;
  destroy(error?: Error): unknown;
  resume(): unknown;
  getCipher(): { name: string; standardName?: string } | undefined | null;
}

export interface TlsServerLike extends EventEmitter {
  listen(port: number, host: string, callback: () => void): unknown;
  address(): AddressInfo | string | null;
  close(callback?: (err?: Error) => void): unknown;
}

export interface TlsLike {
  createServer(options: object, listener: (socket: TlsSocketLike) => void): TlsServerLike;
  connect(options: object, listener: () => void): TlsSocketLike;
}

/** Options that differ between the two stacks for one run. */
export interface StackOptions {
  server: object;
  client: object;
}
