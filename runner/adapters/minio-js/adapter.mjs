#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for the npm package minio (the MinIO JavaScript SDK):
// its signing functions signV4() (header mode) and presignSignatureV4() (query mode), which the
// package exports from the module path `minio/dist/main/signing.js` (its package.json `exports`
// maps `./dist/main/*`; the package root does not re-export them).
//
// Both take the request options the MinIO Client builds: {method, path (wire path + query),
// headers (names lower-cased by the Client), protocol}. signV4() signs the headers it is given
// and takes the date and payload hash as arguments: the X-Amz-Date, x-amz-content-sha256 and
// x-amz-security-token headers are added by the Client before it calls signV4(), with minio's
// internal helpers makeDateLong() and toSha256(), which the package does not export
// (`./dist/main/internal/*` is closed in its `exports`). The adapter does the same with Node's
// crypto and Date, and lists each such step in the result's "alterations" (so header-mode
// answers confirm nothing). presignSignatureV4() adds its
// own query parameters: query-mode answers are unaltered.
//
// The canonical request and string to sign are what minio's module computed: the adapter records
// the input of every SHA-256 and HMAC minio's signing module makes (node:crypto, which the module
// imports as a namespace object, is observed via its createHash/createHmac) — the canonical
// request is the last SHA-256 input, the string to sign the last HMAC input, the signing key the
// fourth HMAC's output. Nothing is recomputed. See README.md for every mapping.

import { createRequire } from "node:module";
import crypto from "node:crypto";
import {
  Skip, BadInput, quietConsole, resolveContext, checkRequest, normalizeIsNoop, encodingIsNoop, runAdapter,
} from "../node-common/adapter-kit.mjs";

const require = createRequire(import.meta.url);
quietConsole();

// Observe the hashing minio's signing module does (it calls crypto.createHash / createHmac on the
// node:crypto module object; the CommonJS build reads them from require("crypto") at call time).
const seen = { hashes: [], hmacs: [] };
const { createHash, createHmac } = crypto;
const cjsCrypto = require("crypto");
cjsCrypto.createHash = function (alg, ...rest) {
  const h = createHash.call(this, alg, ...rest);
  const update = h.update.bind(h);
  h.update = (data, enc) => { seen.hashes.push(Buffer.from(data, enc)); return update(data, enc); };
  return h;
};
cjsCrypto.createHmac = function (alg, key, ...rest) {
  const h = createHmac.call(this, alg, key, ...rest);
  const update = h.update.bind(h);
  const digest = h.digest.bind(h);
  const rec = { input: null, out: null };
  seen.hmacs.push(rec);
  h.update = (data, enc) => { rec.input = Buffer.from(data, enc); return update(data, enc); };
  h.digest = (enc) => { const d = digest(); rec.out = d; return enc ? d.toString(enc) : d; };
  return h;
};

const signing = require("minio/dist/main/signing.js");
const LIB_VERSION = require("minio/package.json").version;

// Headers minio's getSignedHeaders() never signs (exact lower-case names).
const IGNORED = new Set(["authorization", "content-length", "content-type", "user-agent"]);

function sign(msg, alterations) {
  const mode = msg.mode;
  if (mode !== "header" && mode !== "query") throw new BadInput(`unknown mode: ${mode}`);
  const c = resolveContext(msg.context, mode);
  const r = msg.request;
  checkRequest(r);

  if (c.normalize && !normalizeIsNoop(r.path)) throw new Skip("normalize: minio's signer never normalises the path (no switch)");
  if (c.doubleEncode && !encodingIsNoop(r.path)) throw new Skip("double_uri_encode: minio's signer signs the path as given, never encoding it (no switch)");
  for (const h of c.unsigned) {
    if (!IGNORED.has(h)) throw new Skip(`unsigned_headers: minio's signer has no switch to leave ${h} unsigned (only its fixed list)`);
  }
  if (c.token && c.omitToken) throw new Skip("omit_session_token: minio always signs the session token");

  // The Client's request options: header names lower-cased ("to make signing easy", as
  // Client.getRequestOptions() does); a name given twice cannot be held.
  const headers = {};
  for (const [n, v] of r.headers) {
    const k = n.toLowerCase();
    if (Object.hasOwn(headers, k)) {
      throw new Skip(`the request repeats the header ${JSON.stringify(k)} (any case): minio's request options hold one value per lower-case name`);
    }
    headers[k] = v;
  }
  const request = { method: r.method, path: r.path + (r.query !== null ? `?${r.query}` : ""), headers, protocol: "https:" };

  let out;
  if (mode === "query") {
    if (!c.s3) throw new Skip("presignSignatureV4 signs for service s3 only (no service argument)");
    if (c.payloadHash !== "UNSIGNED-PAYLOAD") throw new Skip("presignSignatureV4 always uses UNSIGNED-PAYLOAD");
    if (headers.host === undefined) throw new Skip("no Host header: presignSignatureV4 writes the URL from headers.host");
    seen.hashes.length = 0;
    seen.hmacs.length = 0;
    const url = signing.presignSignatureV4(request, c.accessKeyId, c.secretAccessKey, c.token ?? undefined,
      c.region, c.date, c.expires);
    out = { presigned_url: url };
  } else {
    // What the Client does before signV4(), with minio's helpers: each is an alteration.
    const body = Buffer.from(r.body_base64, "base64");
    const sha256sum = c.payloadHash ?? createHash("sha256").update(body).digest("hex");
    if (c.payloadHash === null) alterations.push("the payload hash was computed by the adapter, as minio's Client does with its internal toSha256() (signV4 takes it as an argument)");
    if (headers["x-amz-date"] === undefined) {
      headers["x-amz-date"] = c.date.toISOString().replace(/[:-]|\.\d{3}/g, "");
      alterations.push("x-amz-date was added, as minio's Client does with its internal makeDateLong() before signV4 (which signs the headers it is given)");
    }
    if (c.signBody && headers["x-amz-content-sha256"] === undefined) {
      headers["x-amz-content-sha256"] = sha256sum;
      alterations.push("x-amz-content-sha256 was added (the Client adds it before signV4)");
    }
    if (c.token && headers["x-amz-security-token"] === undefined) {
      headers["x-amz-security-token"] = c.token;
      alterations.push("x-amz-security-token was added (the Client adds it before signV4)");
    }
    seen.hashes.length = 0;
    seen.hmacs.length = 0;
    const auth = signing.signV4(request, c.accessKeyId, c.secretAccessKey, c.region, c.date, sha256sum, c.service);
    out = { authorization: auth };
  }
  if (seen.hmacs.length !== 5 || seen.hashes.length < 1) throw new Error(`saw ${seen.hashes.length} hashes and ${seen.hmacs.length} HMACs`);
  out.canonical_request = seen.hashes[seen.hashes.length - 1].toString("utf8");
  out.string_to_sign = seen.hmacs[4].input.toString("utf8");
  out.signing_key = seen.hmacs[3].out.toString("hex");
  out.signature = seen.hmacs[4].out.toString("hex");
  const carried = mode === "header" ? out.authorization.endsWith(`Signature=${out.signature}`) : out.presigned_url.endsWith(`X-Amz-Signature=${out.signature}`);
  if (!carried) throw new Error("the signed output does not carry the recorded signature");
  return out;
}

runAdapter({
  implementation: { name: "minio-js", version: LIB_VERSION, language: "javascript" },
  modes: ["header", "query"],
  stages: ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization", "presigned_url"],
  sign,
});
