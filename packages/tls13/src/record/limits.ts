// Record size limits (RFC 8446 §5.1, §5.2; RFC 8449).

/** Max TLSPlaintext.fragment and max TLSInnerPlaintext content: 2^14. */
export const MAX_PLAINTEXT = 1 << 14;
/** Max TLSInnerPlaintext: content + content type byte (+ padding, within this bound). */
export const MAX_INNER_PLAINTEXT = MAX_PLAINTEXT + 1;
/** Max TLSCiphertext.encrypted_record: 2^14 + 256. */
export const MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
export const RECORD_HEADER_LENGTH = 5;
export const AEAD_TAG_LENGTH = 16;
