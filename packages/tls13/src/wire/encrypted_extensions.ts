// EncryptedExtensions (RFC 8446 §4.3.1): a message that is nothing but extensions, so its codec is
// the typed extension codec (Go's encryptedExtensionsMsg), checked against the RFC 8446 §4.2 table.

import { illegalParameter } from "../errors.js";
import { type Bytes, Reader } from "./bytes.js";
import { ExtensionType, HandshakeType } from "./codepoints.js";
import { checkExtension } from "./extension_rules.js";
import {
  decodeAlpn,
  decodeRecordSizeLimit,
  decodeU16List,
  type Extension,
  encodeAlpn,
  encodeRecordSizeLimit,
  encodeU16List,
  expectEmpty,
  extension,
  readExtensions,
  writeExtensions,
} from "./extensions.js";
import { buildHandshake, type HandshakeMessage } from "./handshake.js";

/** What a server may answer in EncryptedExtensions that this stack speaks; absent = not sent. */
export interface EncryptedExtensions {
  /** early_data (empty): the server accepts the 0-RTT data. */
  earlyData?: boolean;
  /** server_name (empty): the server used the name we sent. */
  servername?: boolean;
  /** The one ALPN protocol the server selected. */
  alpn?: string;
  /** The server's record_size_limit. */
  recordSizeLimit?: number;
  /** supported_groups: the server's preferences, informational. */
  groups?: number[];
}

/** In the order this stack sends them. */
export function serializeEncryptedExtensions(ee: EncryptedExtensions): HandshakeMessage {
  const exts: Extension[] = [];
  if (ee.earlyData) exts.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
  if (ee.servername) exts.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
  if (ee.alpn !== undefined)
    exts.push(
      extension(ExtensionType.application_layer_protocol_negotiation, (w) => encodeAlpn([ee.alpn!], w)),
    );
  if (ee.recordSizeLimit !== undefined)
    exts.push(
      extension(ExtensionType.record_size_limit, (w) => encodeRecordSizeLimit(ee.recordSizeLimit!, w)),
    );
  if (ee.groups) exts.push(extension(ExtensionType.supported_groups, (w) => encodeU16List(ee.groups!, w)));
  return buildHandshake(HandshakeType.encrypted_extensions, (w) => writeExtensions(w, exts));
}

/** `offered`: the extension types our ClientHello(s) carried (anything else is unsupported_extension). */
export function parseEncryptedExtensions(body: Bytes, offered: ReadonlySet<number>): EncryptedExtensions {
  const r = new Reader(body, "EncryptedExtensions");
  const exts = readExtensions(r, "EncryptedExtensions");
  r.expectEnd();
  const ee: EncryptedExtensions = {};
  for (const e of exts) {
    checkExtension("EE", e.type, offered);
    switch (e.type) {
      case ExtensionType.server_name:
        expectEmpty(e.data, "server_name");
        ee.servername = true;
        break;
      case ExtensionType.early_data:
        expectEmpty(e.data, "early_data");
        ee.earlyData = true;
        break;
      case ExtensionType.application_layer_protocol_negotiation: {
        // RFC 7301 §3.1: the server's list holds exactly the one protocol it selected.
        const list = decodeAlpn(e.data);
        if (list.length !== 1) throw illegalParameter("ALPN: server selected a protocol we did not offer");
        ee.alpn = list[0];
        break;
      }
      case ExtensionType.supported_groups:
        ee.groups = decodeU16List(e.data, "supported_groups");
        break;
      case ExtensionType.record_size_limit:
        ee.recordSizeLimit = decodeRecordSizeLimit(e.data);
        break;
    }
  }
  return ee;
}
