#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for the npm package aws4 (mhart/aws4).
//
// Reads JSON lines on stdin, answers JSON lines on stdout (see docs/adapter-protocol.md).
// The signer is driven through aws4's RequestSigner: the clock is frozen by setting
// signer.datetime before sign(); the canonical request, string to sign and signature are the
// values of the signer's own canonicalString() / stringToSign() / signature() as sign() called
// them (captured by wrapping those methods on the instance, not recomputed afterwards: after a
// query-mode sign() the query already holds X-Amz-Signature). See README.md for the
// context-key mapping and for what is answered with "skip".

import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import querystring from "node:querystring";
import crypto from "node:crypto";

const require = createRequire(import.meta.url);
const aws4 = require("aws4");
const LIB_VERSION = require("aws4/package.json").version;
const { RequestSigner } = aws4;

// Nothing but protocol lines may reach stdout.
console.log = console.info = console.debug = (...a) => console.error(...a);

for (const m of ["canonicalString", "stringToSign", "signature", "sign"]) {
  if (typeof RequestSigner.prototype[m] !== "function") {
    console.error(`aws4 ${LIB_VERSION} has no RequestSigner.prototype.${m}()`);
    process.exit(2);
  }
}

class Skip {
  constructor(reason) {
    this.reason = reason;
  }
}

class BadInput extends Error {}

// ---------------------------------------------------------------------------------------------
// Context: validated and resolved with the suite's defaults (suite/README.md).

const CONTEXT_KEYS = new Set([
  "credentials", "region", "service", "timestamp", "normalize", "sign_body",
  "expiration_in_seconds", "omit_session_token", "double_uri_encode", "payload_hash",
  "unsigned_headers",
]);
const CREDENTIAL_KEYS = new Set(["access_key_id", "secret_access_key", "token"]);
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isObj(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function opt(ctx, key, type, dflt) {
  const v = ctx[key];
  if (v === undefined || v === null) return dflt;
  if (type === "integer" ? !Number.isInteger(v) : typeof v !== type) {
    throw new BadInput(`context.${key} must be ${type === "integer" ? "an integer" : `a ${type}`}`);
  }
  return v;
}

function resolveContext(ctx, mode) {
  if (!isObj(ctx)) throw new BadInput("context must be an object");
  for (const k of Object.keys(ctx)) if (!CONTEXT_KEYS.has(k)) throw new BadInput(`unknown context key: ${k}`);
  const cr = ctx.credentials;
  if (!isObj(cr)) throw new BadInput("context.credentials must be an object");
  for (const k of Object.keys(cr)) if (!CREDENTIAL_KEYS.has(k)) throw new BadInput(`unknown context key: credentials.${k}`);
  for (const k of ["access_key_id", "secret_access_key"]) {
    if (typeof cr[k] !== "string") throw new BadInput(`context.credentials.${k} must be a string`);
  }
  if (cr.token !== undefined && cr.token !== null && typeof cr.token !== "string") {
    throw new BadInput("context.credentials.token must be a string");
  }
  for (const k of ["region", "service", "timestamp"]) {
    if (typeof ctx[k] !== "string") throw new BadInput(`context.${k} must be a string`);
  }
  const m = RFC3339.exec(ctx.timestamp);
  const date = m ? new Date(ctx.timestamp.toUpperCase().replace(" ", "T")) : null;
  if (!date || Number.isNaN(date.getTime())) throw new BadInput(`context.timestamp is not RFC 3339: ${ctx.timestamp}`);
  const s3 = ctx.service === "s3";
  const unsigned = opt(ctx, "unsigned_headers", "object", []);
  if (!Array.isArray(unsigned) || unsigned.some((h) => typeof h !== "string")) {
    throw new BadInput("context.unsigned_headers must be an array of strings");
  }
  return {
    accessKeyId: cr.access_key_id,
    secretAccessKey: cr.secret_access_key,
    token: cr.token ?? null,
    region: ctx.region,
    service: ctx.service,
    s3,
    date,
    // "never applied for s3"
    normalize: s3 ? false : opt(ctx, "normalize", "boolean", true),
    signBody: opt(ctx, "sign_body", "boolean", s3 && mode === "header"),
    expires: opt(ctx, "expiration_in_seconds", "integer", 3600),
    omitToken: opt(ctx, "omit_session_token", "boolean", false),
    doubleEncode: opt(ctx, "double_uri_encode", "boolean", !s3),
    payloadHash: opt(ctx, "payload_hash", "string", s3 && mode === "query" ? "UNSIGNED-PAYLOAD" : null),
    unsigned: unsigned.map((h) => h.toLowerCase()),
  };
}

// ---------------------------------------------------------------------------------------------
// Request: the protocol's parsed fields turned into aws4 request options.

function checkRequest(r) {
  if (!isObj(r)) throw new BadInput("request must be an object");
  for (const k of ["method", "path", "body_base64"]) {
    if (typeof r[k] !== "string") throw new BadInput(`request.${k} must be a string`);
  }
  if (r.query !== null && typeof r.query !== "string") throw new BadInput("request.query must be a string or null");
  if (!Array.isArray(r.headers) || r.headers.some((h) => !Array.isArray(h) || h.length !== 2 ||
      typeof h[0] !== "string" || typeof h[1] !== "string")) {
    throw new BadInput("request.headers must be an array of [name, value] string pairs");
  }
}

// aws4 takes headers as an object (one value per name). Repeated names (any case) are joined
// with "," in order, under the first spelling of the name, the way an HTTP client folds repeated
// fields into one (RFC 7230 section 3.2.2). Optional whitespace around a field value is not part
// of the value (RFC 7230 section 3.2.4), so each value of a REPEATED name loses its leading and
// trailing spaces/tabs before the join; inner whitespace is kept. A name that occurs once is
// passed untrimmed, as the protocol gives it: the library's own whitespace rule is what is tested.
const trimOws = (v) => v.replace(/^[ \t]+|[ \t]+$/g, "");
function headerObject(pairs) {
  const groups = new Map(); // lower-case name -> {name: first spelling, values: [...]}
  for (const [name, value] of pairs) {
    const lc = name.toLowerCase();
    if (groups.has(lc)) groups.get(lc).values.push(value);
    else groups.set(lc, { name, values: [value] });
  }
  const out = Object.create(null);
  for (const { name, values } of groups.values()) {
    out[name] = values.length === 1 ? values[0] : values.map(trimOws).join(",");
  }
  return out;
}

function hasHeader(headers, lc) {
  return Object.keys(headers).some((n) => n.toLowerCase() === lc);
}

// RFC 3986 section 5.2.4 remove_dot_segments, plus collapsing runs of "/" (the suite's
// `normalize`). Percent-encoded dots (%2E) are decoded first (RFC 3986 section 6.2.2.2), so a
// path holding them never counts as "normalisation changes nothing" by mistake.
function normalizePath(path) {
  let input = path.replace(/%2e/gi, ".").replace(/\/{2,}/g, "/");
  let output = "";
  while (input.length > 0) {
    if (input.startsWith("../")) input = input.slice(3);
    else if (input.startsWith("./")) input = input.slice(2);
    else if (input.startsWith("/./")) input = input.slice(2);
    else if (input === "/.") input = "/";
    else if (input.startsWith("/../") || input === "/..") {
      input = "/" + input.slice(input === "/.." ? 3 : 4);
      output = output.slice(0, Math.max(0, output.lastIndexOf("/")));
    } else if (input === "." || input === "..") input = "";
    else {
      const next = input.indexOf("/", input.startsWith("/") ? 1 : 0);
      const seg = next < 0 ? input : input.slice(0, next);
      output += seg;
      input = next < 0 ? "" : input.slice(next);
    }
  }
  return output;
}
// Normalising would leave the path as it is (no ".", "..", empty segments; no %2E).
const normalizeIsNoop = (path) => path.startsWith("/") && normalizePath(path) === path;
// Encoding once or twice gives the same text: only RFC 3986 unreserved characters and "/".
const encodingIsNoop = (path) => /^[A-Za-z0-9\-._~/]*$/.test(path);

// aws4's parsePath() treats request.path as a URL: if it holds a character outside this set it
// re-encodes the whole target for the wire (encodeURI(decodeURI(path))) before signing.
const AWS4_URL_CHARS = /[^0-9A-Za-z;,/?:@&=+$\-_.!~*'()#%]/;

const encodeRfc3986Full = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

// ---------------------------------------------------------------------------------------------
// One signing request.

function sign(msg) {
  const mode = msg.mode;
  if (mode !== "header" && mode !== "query") throw new BadInput(`unknown mode: ${mode}`);
  const c = resolveContext(msg.context, mode);
  const r = msg.request;
  checkRequest(r);

  if (c.service === "" || c.region === "") {
    throw new Skip("empty service or region: aws4 replaces it with one inferred from the host");
  }

  // Path. Non-S3: aws4 always normalises; it double-encodes, or with doNotEncodePath decodes
  // each segment and encodes it once. S3: never normalised, each segment decoded and encoded once.
  // A switch aws4 lacks is still exact when it would not change this path.
  if (c.s3) {
    if (c.doubleEncode && !encodingIsNoop(r.path)) {
      throw new Skip("double_uri_encode for s3: aws4 always single-encodes s3 paths");
    }
  } else if (!c.normalize && !normalizeIsNoop(r.path)) {
    throw new Skip("normalize:false on a path that normalisation would change: aws4 always normalises non-S3 paths");
  }
  if (AWS4_URL_CHARS.test(r.path)) {
    throw new Skip("the path holds characters not valid in a URL: aws4 percent-encodes them for the wire " +
      "before signing, so the suite's raw path cannot be handed over as the wire path");
  }

  const headers = headerObject(r.headers);
  const ignore = Object.create(null);
  for (const h of c.unsigned) ignore[h] = true;
  const generated = mode === "header" ? ["x-amz-date", "authorization"] : [];
  if (c.token && mode === "header") generated.push("x-amz-security-token");
  if (c.signBody) generated.push("x-amz-content-sha256");
  for (const h of c.unsigned) {
    if (generated.includes(h)) throw new Skip(`unsigned_headers names ${h}, a header the signer adds itself`);
  }

  // Session token: credentials.sessionToken (signed header / signed query parameter).
  // omit_session_token, query mode: "added after signing" taken literally: sign() without the
  // token, then X-Amz-Security-Token appended to the presigned URL (tokenAfter).
  let tokenAfter = null;
  if (c.token && c.omitToken && mode === "query") {
    if (r.query !== null && Object.keys(querystring.parse(r.query)).some((k) => k.toLowerCase() === "x-amz-security-token")) {
      throw new Skip("omit_session_token with an X-Amz-Security-Token already in the request query");
    }
    tokenAfter = c.token;
  } else if (c.token && c.omitToken) {
    if (hasHeader(headers, "x-amz-security-token")) {
      throw new Skip("omit_session_token with an x-amz-security-token header in the request");
    }
    // sign() adds X-Amz-Security-Token; extraHeadersToIgnore keeps it out of the canonical request.
    ignore["x-amz-security-token"] = true;
  }

  // Payload. aws4's payload hash is: UNSIGNED-PAYLOAD for s3 in query mode (fixed); otherwise an
  // X-Amz-Content-Sha256 / x-amz-content-sha256 header when present, else the body's SHA-256.
  // It adds (and signs) that header itself only for s3 in header mode.
  const body = Buffer.from(r.body_base64, "base64");
  const hasSha = hasHeader(headers, "x-amz-content-sha256");
  if (c.s3 && mode === "query") {
    // c.payloadHash is never null here (the s3 query default is UNSIGNED-PAYLOAD)
    if (c.payloadHash !== "UNSIGNED-PAYLOAD") {
      throw new Skip(`payload_hash ${c.payloadHash} for s3 in query mode: aws4 always uses UNSIGNED-PAYLOAD there`);
    }
    if (c.signBody) {
      if (hasSha) throw new Skip("sign_body with an x-amz-content-sha256 header already in the request");
      headers["X-Amz-Content-Sha256"] = c.payloadHash; // a signed request header (aws4 keeps headers in query mode)
    }
  } else if (c.payloadHash !== null) {
    if (hasSha) throw new Skip("payload_hash with an x-amz-content-sha256 header already in the request");
    headers["X-Amz-Content-Sha256"] = c.payloadHash; // aws4 takes it as the payload hash
    if (!c.signBody) ignore["x-amz-content-sha256"] = true;
  } else if (c.s3) {
    // header mode: aws4 adds X-Amz-Content-Sha256: <body hash>, signed.
    if (!c.signBody) {
      if (hasSha) throw new Skip("sign_body:false with an x-amz-content-sha256 header in the request");
      ignore["x-amz-content-sha256"] = true;
    }
  } else if (c.signBody) {
    // Non-S3: aws4 never adds x-amz-content-sha256 itself, but takes the payload hash from an
    // X-Amz-Content-Sha256 header (canonicalString). The header carries the body's SHA-256 from
    // node crypto, the hash aws4 itself uses (hex, as aws4's hash() writes it), and is signed.
    if (hasSha) throw new Skip("sign_body with an x-amz-content-sha256 header already in the request");
    headers["X-Amz-Content-Sha256"] = crypto.createHash("sha256").update(body).digest("hex");
  }

  // Expiry: aws4 sets X-Amz-Expires itself only for s3 (86400) and only when the query has none;
  // the caller puts it in the query.
  let target = r.path + (r.query !== null ? `?${r.query}` : "");
  if (mode === "query") {
    if (r.query !== null && Object.hasOwn(querystring.parse(r.query), "X-Amz-Expires")) {
      throw new Skip("the request query already holds X-Amz-Expires, aws4's only expiry input");
    }
    target += (r.query === null ? "?" : r.query === "" || r.query.endsWith("&") ? "" : "&") +
      `X-Amz-Expires=${c.expires}`;
  }

  const hostPair = r.headers.find(([n]) => n.toLowerCase() === "host");
  const opts = {
    method: r.method,
    path: target,
    headers,
    service: c.service,
    region: c.region,
    extraHeadersToIgnore: ignore,
  };
  if (hostPair) opts.host = hostPair[1].trim();
  if (body.length) opts.body = body; // an empty Buffer is truthy: aws4 would add Content-Type
  if (mode === "query") opts.signQuery = true;
  if (!c.s3 && !c.doubleEncode) opts.doNotEncodePath = true;

  const credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
  if (c.token && tokenAfter === null) credentials.sessionToken = c.token;

  const signer = new RequestSigner(opts, credentials);
  signer.datetime = c.date.toISOString().replace(/[:\-]|\.\d{3}/g, ""); // aws4's own format

  // Stage hooks on this instance.
  const cap = { creq: [], sts: [], sig: [] };
  const P = RequestSigner.prototype;
  signer.canonicalString = function (...a) {
    const v = P.canonicalString.apply(this, a);
    cap.creq.push(v);
    return v;
  };
  signer.stringToSign = function (...a) {
    const v = P.stringToSign.apply(this, a);
    cap.sts.push(v);
    return v;
  };
  signer.signature = function (...a) {
    const v = P.signature.apply(this, a);
    cap.sig.push(v);
    return v;
  };

  const signed = signer.sign();

  if (cap.creq.length !== 1 || cap.sts.length !== 1 || cap.sig.length !== 1) {
    throw new Error(`stage hooks saw ${cap.creq.length} canonical requests, ${cap.sts.length} strings to sign, ${cap.sig.length} signatures`);
  }
  const out = { canonical_request: cap.creq[0], string_to_sign: cap.sts[0], signature: cap.sig[0] };
  if (mode === "header") {
    const auth = signed.headers.Authorization;
    if (typeof auth !== "string" || !auth.endsWith(`Signature=${out.signature}`)) {
      throw new Error("signed request carries no Authorization header with the captured signature");
    }
    out.authorization = auth;
  } else {
    if (signer.parsedPath.query["X-Amz-Signature"] !== out.signature) {
      throw new Error("presigned request carries no X-Amz-Signature equal to the captured signature");
    }
    const host = signed.headers.Host ?? signed.headers.host ?? signed.hostname ?? signed.host;
    if (typeof host === "string") {
      let url = `https://${host.trim()}${signed.path}`;
      // after signing; encoded like aws4's own query values (encodeURIComponent + RFC 3986 extras)
      if (tokenAfter !== null) url += `&X-Amz-Security-Token=${encodeRfc3986Full(tokenAfter)}`;
      out.presigned_url = url;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Protocol loop.

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
  console.error(e);
});
process.on("uncaughtException", (e) => console.error("uncaught:", e));
process.on("unhandledRejection", (e) => console.error("unhandled rejection:", e));

const pending = new Set();

async function handle(msg) {
  const id = msg.id;
  try {
    const stages = sign(msg);
    send({ type: "result", id, ...stages });
  } catch (e) {
    if (e instanceof Skip) {
      send({ type: "result", id, skip: e.reason });
    } else {
      console.error(`[${id}]`, e instanceof Error ? e.stack : e);
      send({ type: "result", id, error: e instanceof Error ? e.message : String(e) });
    }
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
rl.on("line", (line) => {
  if (line.trim() === "") return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    console.error("not JSON:", e.message, line.slice(0, 200));
    return;
  }
  if (!isObj(msg)) {
    console.error("not a JSON object:", line.slice(0, 200));
    return;
  }
  if (msg.type === "hello") {
    if (msg.protocol !== 1) console.error(`runner speaks protocol ${msg.protocol}; this adapter speaks 1`);
    send({
      type: "hello",
      protocol: 1,
      implementation: { name: "aws4", version: LIB_VERSION, language: "javascript" },
      modes: ["header", "query"],
      stages: ["canonical_request", "string_to_sign", "signature", "authorization", "presigned_url"],
    });
    return;
  }
  if (msg.type === "sign") {
    const p = handle(msg).finally(() => pending.delete(p));
    pending.add(p);
    return;
  }
  console.error("unknown message type:", msg.type);
  if (msg.id !== undefined) send({ type: "result", id: msg.id, error: `unknown message type: ${msg.type}` });
});
rl.on("close", async () => {
  await Promise.allSettled([...pending]);
  // stdout may be an asynchronous pipe: exit only once every answer has been handed to the OS.
  process.stdout.write("", () => process.exit(0));
});
