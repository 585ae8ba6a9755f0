// In-place AEAD for TLS records on the OpenSSL that the running Node already contains.
//
// Why this exists: node:crypto has no way to re-key a cipher or to write into a caller's buffer, so
// sealing a 16 KiB record through it costs a new cipher object and a new output buffer every time
// (5-11 us of a record's ~14 us budget, and the new buffers drive V8's full GCs on Node 24; see the
// package README, "Bulk and the GC"). Here one EVP_CIPHER_CTX is keyed once per traffic key and
// direction, and each record only sets the nonce and runs the cipher over the caller's memory.
//
// No OpenSSL is linked in: the EVP_* symbols resolve at load time against the ones the Node binary
// exports for addons (official builds and distribution builds both do), so the code runs on that
// runtime's OpenSSL (3.0 under Node 20, 3.5 under Node 24). Node-API (version 8) keeps one build
// loadable by every Node >= 20. The JavaScript side checks each context against node:crypto before
// using it (src/crypto/native/evp-aead.ts), so an ABI surprise falls back instead of corrupting data.

#define NAPI_VERSION 8
#include <node_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TAG_LENGTH 16
#define NONCE_LENGTH 12

typedef struct {
  EVP_CIPHER_CTX *ctx;
  int encrypt;
} aead_context;

static const EVP_CIPHER *cipher_for(int32_t id) {
  switch (id) {
    case 0:
      return EVP_aes_128_gcm();
    case 1:
      return EVP_aes_256_gcm();
    case 2:
      return EVP_chacha20_poly1305();
    default:
      return NULL;
  }
}

static void free_context(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  aead_context *c = data;
  EVP_CIPHER_CTX_free(c->ctx);  // also cleanses the key schedule
  free(c);
}

// A Uint8Array (Buffers are ones) argument as pointer and length; NULL after throwing otherwise.
static uint8_t *bytes_arg(napi_env env, napi_value value, size_t *length, const char *what) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, what);
    return NULL;
  }
  // An empty view may carry a NULL data pointer; callers only read or write `length` bytes.
  static uint8_t empty;
  return data ? data : &empty;
}

static aead_context *context_arg(napi_env env, napi_value value) {
  void *data = NULL;
  napi_valuetype t;
  if (napi_typeof(env, value, &t) != napi_ok || t != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "expected an AEAD context");
    return NULL;
  }
  return data;
}

// Input and output must be the same memory or not overlap at all: OpenSSL's AEADs work in place,
// but not on partly overlapping buffers.
static int bad_overlap(const uint8_t *in, size_t in_len, const uint8_t *out, size_t out_len) {
  if (in == out || in_len == 0 || out_len == 0) return 0;
  return in < out + out_len && out < in + in_len;
}

// create(cipherId: 0 | 1 | 2, key: Uint8Array, encrypt: boolean) -> external context
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 3) {
    napi_throw_type_error(env, NULL, "create(cipherId, key, encrypt)");
    return NULL;
  }
  int32_t id = -1;
  if (napi_get_value_int32(env, argv[0], &id) != napi_ok || cipher_for(id) == NULL) {
    napi_throw_range_error(env, NULL, "unknown AEAD id");
    return NULL;
  }
  const EVP_CIPHER *cipher = cipher_for(id);
  size_t key_len = 0;
  uint8_t *key = bytes_arg(env, argv[1], &key_len, "key must be a Uint8Array");
  if (!key) return NULL;
  if ((int)key_len != EVP_CIPHER_key_length(cipher)) {
    napi_throw_range_error(env, NULL, "wrong key length for this AEAD");
    return NULL;
  }
  bool encrypt = false;
  if (napi_get_value_bool(env, argv[2], &encrypt) != napi_ok) {
    napi_throw_type_error(env, NULL, "encrypt must be a boolean");
    return NULL;
  }
  aead_context *c = calloc(1, sizeof *c);
  if (!c) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  c->encrypt = encrypt;
  c->ctx = EVP_CIPHER_CTX_new();
  // The nonce length is the default (12) for all three; it is set per record.
  if (!c->ctx || EVP_CipherInit_ex(c->ctx, cipher, NULL, key, NULL, encrypt ? 1 : 0) != 1) {
    if (c->ctx) EVP_CIPHER_CTX_free(c->ctx);
    free(c);
    napi_throw_error(env, NULL, "EVP_CipherInit_ex failed");
    return NULL;
  }
  napi_value result;
  if (napi_create_external(env, c, free_context, NULL, &result) != napi_ok) {
    free_context(env, c, NULL);
    napi_throw_error(env, NULL, "napi_create_external failed");
    return NULL;
  }
  return result;
}

// The four buffers every call takes: context, nonce, aad, input, output.
typedef struct {
  aead_context *c;
  uint8_t *nonce, *aad, *in, *out;
  size_t nonce_len, aad_len, in_len, out_len;
} call_args;

static int read_args(napi_env env, napi_callback_info info, call_args *a, int encrypt) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 5) {
    napi_throw_type_error(env, NULL, "expected (context, nonce, aad, input, output)");
    return 0;
  }
  if (!(a->c = context_arg(env, argv[0]))) return 0;
  if (a->c->encrypt != encrypt) {
    napi_throw_error(env, NULL, encrypt ? "context was made for opening" : "context was made for sealing");
    return 0;
  }
  if (!(a->nonce = bytes_arg(env, argv[1], &a->nonce_len, "nonce must be a Uint8Array"))) return 0;
  if (!(a->aad = bytes_arg(env, argv[2], &a->aad_len, "aad must be a Uint8Array"))) return 0;
  if (!(a->in = bytes_arg(env, argv[3], &a->in_len, "input must be a Uint8Array"))) return 0;
  if (!(a->out = bytes_arg(env, argv[4], &a->out_len, "output must be a Uint8Array"))) return 0;
  if (a->nonce_len != NONCE_LENGTH) {
    napi_throw_range_error(env, NULL, "nonce must be 12 bytes");
    return 0;
  }
  if (a->in_len > INT32_MAX || a->aad_len > INT32_MAX) {
    napi_throw_range_error(env, NULL, "input too large");
    return 0;
  }
  return 1;
}

// seal(context, nonce, aad, plaintext, output): output[0..n) = ciphertext, output[n..n+16) = tag,
// where n = plaintext.length. output may be plaintext's own memory (sealing in place).
static napi_value seal(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 1)) return NULL;
  if (a.out_len < a.in_len + TAG_LENGTH) {
    napi_throw_range_error(env, NULL, "output must hold the plaintext and a 16-byte tag");
    return NULL;
  }
  if (bad_overlap(a.in, a.in_len, a.out, a.out_len)) {
    napi_throw_range_error(env, NULL, "input and output overlap without being the same memory");
    return NULL;
  }
  int n = 0;
  EVP_CIPHER_CTX *ctx = a.c->ctx;
  if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, a.nonce) != 1 ||
      EVP_EncryptUpdate(ctx, NULL, &n, a.aad, (int)a.aad_len) != 1 ||
      EVP_EncryptUpdate(ctx, a.out, &n, a.in, (int)a.in_len) != 1 || (size_t)n != a.in_len ||
      EVP_EncryptFinal_ex(ctx, a.out + n, &n) != 1 || n != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH, a.out + a.in_len) != 1) {
    napi_throw_error(env, NULL, "AEAD seal failed");
    return NULL;
  }
  return NULL;
}

// open(context, nonce, aad, ciphertextAndTag, output) -> boolean: output[0..n-16) = plaintext when
// the tag verifies (true); false when it does not, and output then holds garbage. output may be the
// input's own memory (opening in place).
static napi_value open_(napi_env env, napi_callback_info info) {
  call_args a;
  if (!read_args(env, info, &a, 0)) return NULL;
  if (a.in_len < TAG_LENGTH) {
    napi_throw_range_error(env, NULL, "input shorter than the tag");
    return NULL;
  }
  size_t body = a.in_len - TAG_LENGTH;
  if (a.out_len < body) {
    napi_throw_range_error(env, NULL, "output must hold the plaintext");
    return NULL;
  }
  if (bad_overlap(a.in, a.in_len, a.out, a.out_len)) {
    napi_throw_range_error(env, NULL, "input and output overlap without being the same memory");
    return NULL;
  }
  // The tag is copied out first: opening in place overwrites nothing past `body`, but the tag must
  // be set before the final check and stays valid even if the caller's buffers alias.
  uint8_t tag[TAG_LENGTH];
  memcpy(tag, a.in + body, TAG_LENGTH);
  int n = 0;
  int ok = 0;
  EVP_CIPHER_CTX *ctx = a.c->ctx;
  if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, a.nonce) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH, tag) != 1 ||
      EVP_DecryptUpdate(ctx, NULL, &n, a.aad, (int)a.aad_len) != 1 ||
      EVP_DecryptUpdate(ctx, a.out, &n, a.in, (int)body) != 1 || (size_t)n != body) {
    napi_throw_error(env, NULL, "AEAD open failed");
    return NULL;
  }
  ok = EVP_DecryptFinal_ex(ctx, a.out + n, &n) == 1;
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"seal", NULL, seal, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
