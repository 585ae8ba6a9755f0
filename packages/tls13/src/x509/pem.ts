// PEM (RFC 7468): base64 DER between "-----BEGIN <label>-----" and "-----END <label>-----".

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/** Every PEM block in `text`, in order. Text between blocks (OpenSSL's "subject=" lines) is ignored. */
export function pemDecode(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = m;
    if (label !== endLabel) throw new Error(`PEM block "${label}" ends with "${endLabel}"`);
    const b64 = body.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0)
      throw new Error(`PEM block "${label}" is not valid base64`);
    out.push({ label, der: new Uint8Array(Buffer.from(b64, "base64")) });
  }
  return out;
}

/** One PEM block with 64-column lines and a trailing newline. */
export function pemEncode(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}${lines.length ? "\n" : ""}-----END ${label}-----\n`;
}

/** True when the input looks like PEM text rather than DER bytes. */
export function looksLikePem(input: string | Uint8Array): boolean {
  if (typeof input === "string") return true;
  // DER starts with a SEQUENCE tag; PEM with "-----" or whitespace.
  return input.length > 0 && input[0] !== 0x30;
}

export function asText(input: string | Uint8Array): string {
  return typeof input === "string" ? input : Buffer.from(input).toString("latin1");
}
