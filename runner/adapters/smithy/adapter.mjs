#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for @smithy/signature-v4 (AWS SDK for JavaScript v3).
//
// Reads JSON lines on stdin, answers JSON lines on stdout (see docs/adapter-protocol.md).
// The signer is driven through its public API (sign() / presign()); the canonical request,
// string to sign, signing key and signature are captured by wrapping the TypeScript-private
// methods createCanonicalRequest / createStringToSign / getSignature on each signer instance,
// so every stage is what the library itself computed during the real call. See README.md for
// the context-key mapping and for what is answered with "skip".

import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const { SignatureV4 } = require("@smithy/signature-v4");
const { HttpRequest } = require("@smithy/protocol-http");
const { Hash } = require("@smithy/hash-node");
const LIB_VERSION = require("@smithy/signature-v4/package.json").version;

// Nothing but protocol lines may reach stdout.
console.log = console.info = console.debug = (...a) => console.error(...a);

for (const m of ["createCanonicalRequest", "createStringToSign", "getSignature"]) {
  if (typeof SignatureV4.prototype[m] !== "function") {
    console.error(`@smithy/signature-v4 ${LIB_VERSION} has no ${m}(): the stage hooks cannot be installed`);
    process.exit(2);
  }
}

const Sha256 = Hash.bind(null, "sha256"); // node crypto, as the SDK's Node runtime config does

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
// Request: the protocol's parsed fields turned into a smithy HttpRequest.

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

// smithy takes headers as an object (one value per name). Repeated names (any case) are joined
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

// Percent-decode to bytes, then UTF-8. smithy's query model holds decoded JS strings, so bytes
// that are not UTF-8 cannot be handed over.
function pctDecode(s) {
  if (!s.includes("%")) return s;
  const bytes = [];
  for (let i = 0; i < s.length; ) {
    if (s[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = s.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      bytes.push(...Buffer.from(ch, "utf8"));
      i += ch.length;
    }
  }
  const buf = Buffer.from(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new Skip("query holds percent-encoded bytes that are not UTF-8; smithy's query model is decoded strings");
  }
}

// Query string -> smithy QueryParameterBag: decoded keys and values, a repeated key becomes an
// array (in order). A key without "=" (`?acl`, `?versioning`) becomes "": that is how the SDK's
// own request serializers hand such keys to the signer (e.g. S3 `query = map({[_a]: [, ""]})`).
// (@smithy/querystring-parser would make it null, which getCanonicalQuery drops; no SDK
// operation produces that.) "+" is kept as a literal "+".
function queryObject(raw) {
  const q = Object.create(null);
  if (raw === null || raw === "") return q;
  for (const piece of raw.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const key = pctDecode(eq < 0 ? piece : piece.slice(0, eq));
    const value = eq < 0 ? "" : pctDecode(piece.slice(eq + 1));
    if (!(key in q)) q[key] = value;
    else if (Array.isArray(q[key])) q[key].push(value);
    else q[key] = [q[key], value];
  }
  return q;
}

// URL query the way @smithy/querystring-builder writes one (escapeUri = RFC 3986 unreserved kept).
const escapeUri = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
function formatQuery(query) {
  const parts = [];
  for (const key of Object.keys(query).sort()) {
    const v = query[key];
    const k = escapeUri(key);
    if (Array.isArray(v)) for (const item of v) parts.push(item == null ? k : `${k}=${escapeUri(item)}`);
    else parts.push(v == null ? k : `${k}=${escapeUri(v)}`);
  }
  return parts.join("&");
}

// ---------------------------------------------------------------------------------------------
// Path equivalences. smithy's one switch uriEscapePath = (normalise AND encode once more);
// false = the path verbatim (no normalisation, single encoding). A context that asks for only one
// of the two is still expressible when the other one would not change the path.

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
// Encoding once or twice (or not at all) gives the same text: only RFC 3986 unreserved and "/".
const encodingIsNoop = (path) => /^[A-Za-z0-9\-._~/]*$/.test(path);

// ---------------------------------------------------------------------------------------------
// One signing request.

const toHex = (u8) => Buffer.from(u8).toString("hex");

async function sign(msg) {
  const mode = msg.mode;
  if (mode !== "header" && mode !== "query") throw new BadInput(`unknown mode: ${mode}`);
  const c = resolveContext(msg.context, mode);
  const r = msg.request;
  checkRequest(r);

  // Path: smithy's one switch uriEscapePath = (normalise AND encode the path once more);
  // false = the path verbatim (no normalisation, single encoding). When the context asks for only
  // one of the two, the case is still exact if the other one is a no-op on this path.
  let uriEscapePath;
  if (c.normalize === c.doubleEncode) uriEscapePath = c.doubleEncode;
  else if (c.doubleEncode) {
    // no normalisation, double encoding
    if (normalizeIsNoop(r.path)) uriEscapePath = true; // normalising changes nothing
    else if (encodingIsNoop(r.path)) uriEscapePath = false; // double = single encoding
    else {
      throw new Skip(`${c.s3 ? "s3 (never normalised)" : "normalize:false"} with double URI encoding on a path that ` +
        "normalisation would change: smithy's uriEscapePath switches both together");
    }
  } else {
    // normalisation, single encoding
    if (encodingIsNoop(r.path)) uriEscapePath = true; // double = single encoding
    else if (normalizeIsNoop(r.path)) uriEscapePath = false; // normalising changes nothing
    else {
      throw new Skip("normalize without double URI encoding on a path that normalisation would change: " +
        "smithy's uriEscapePath switches both together");
    }
  }

  const headers = headerObject(r.headers);
  const unsignable = new Set(c.unsigned);
  const unhoistable = new Set();
  const generated = ["x-amz-date", "authorization"];
  if (c.token) generated.push("x-amz-security-token");
  if (c.signBody) generated.push("x-amz-content-sha256");
  for (const h of c.unsigned) {
    if (generated.includes(h)) throw new Skip(`unsigned_headers names ${h}, a header the signer adds itself`);
  }

  // Session token: credentials.sessionToken (signed header / signed query parameter).
  // omit_session_token, query mode: "added after signing" taken literally: presign() without the
  // token, then X-Amz-Security-Token appended to the presigned URL (tokenAfter).
  let tokenAfter = null;
  const query = queryObject(r.query);
  if (c.token && c.omitToken) {
    if (mode === "query") {
      if (Object.keys(query).some((k) => k.toLowerCase() === "x-amz-security-token")) {
        throw new Skip("omit_session_token with an X-Amz-Security-Token already in the request query");
      }
      tokenAfter = c.token;
    } else {
      if (hasHeader(headers, "x-amz-security-token")) {
        throw new Skip("omit_session_token with an x-amz-security-token header in the request");
      }
      // sign() adds x-amz-security-token; unsignableHeaders keeps it out of the canonical request.
      unsignable.add("x-amz-security-token");
    }
  }

  const hostPair = r.headers.find(([n]) => n.toLowerCase() === "host");
  const hostname = hostPair ? hostPair[1].trim() : null;
  const body = Buffer.from(r.body_base64, "base64");

  // Payload. The library takes a literal payload hash only from an x-amz-content-sha256 header
  // (getPayloadHash reads it before hashing the body); it signs that header unless told not to.
  let applyChecksum = false;
  if (c.payloadHash !== null) {
    if (hasHeader(headers, "x-amz-content-sha256")) {
      throw new Skip("payload_hash with an x-amz-content-sha256 header already in the request");
    }
    headers["x-amz-content-sha256"] = c.payloadHash;
    if (!c.signBody) unsignable.add("x-amz-content-sha256");
  } else if (c.signBody) {
    if (mode === "query") {
      // presign() has no checksum option; it takes the payload hash from an x-amz-content-sha256
      // header (getPayloadHash). The header carries the body's SHA-256 computed with the Sha256
      // constructor the signer is configured with (lower-case hex, as getPayloadHash writes a
      // body hash), and is signed (not unsignable) and kept a header (unhoistable, below).
      if (hasHeader(headers, "x-amz-content-sha256")) {
        throw new Skip("sign_body with an x-amz-content-sha256 header already in the request");
      }
      const h = new Sha256();
      h.update(new Uint8Array(body));
      headers["x-amz-content-sha256"] = toHex(await h.digest());
    } else {
      applyChecksum = true; // sign() adds x-amz-content-sha256: <body hash>, signed
    }
  }

  const request = new HttpRequest({
    method: r.method,
    protocol: "https:",
    hostname: hostname ?? undefined,
    path: r.path,
    query,
    headers,
    body: body.length ? new Uint8Array(body) : undefined,
  });

  const signer = new SignatureV4({
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.token && tokenAfter === null ? { sessionToken: c.token } : {}),
    },
    region: c.region,
    service: c.service,
    sha256: Sha256,
    uriEscapePath,
    applyChecksum,
  });

  // Stage hooks on this instance only (answers may interleave).
  const cap = { creq: [], sts: [], sig: [] };
  const P = SignatureV4.prototype;
  signer.createCanonicalRequest = function (...a) {
    const v = P.createCanonicalRequest.apply(this, a);
    cap.creq.push(v);
    return v;
  };
  signer.createStringToSign = async function (...a) {
    const v = await P.createStringToSign.apply(this, a);
    cap.sts.push(v);
    return v;
  };
  signer.getSignature = async function (longDate, scope, keyPromise, canonicalRequest) {
    const v = await P.getSignature.call(this, longDate, scope, keyPromise, canonicalRequest);
    cap.sig.push({ sig: v, creq: canonicalRequest, key: toHex(await keyPromise) });
    return v;
  };

  let signed;
  if (mode === "header") {
    signed = await signer.sign(request, {
      signingDate: c.date,
      unsignableHeaders: unsignable,
    });
  } else {
    // presign() moves every x-amz-* header into the query unless it is unhoistable; the suite's
    // model keeps the request's headers as signed headers (only the X-Amz-* auth parameters go
    // into the query), so every header name of the request is listed.
    for (const name of Object.keys(headers)) unhoistable.add(name.toLowerCase());
    signed = await signer.presign(request, {
      signingDate: c.date,
      expiresIn: c.expires,
      unsignableHeaders: unsignable,
      unhoistableHeaders: unhoistable,
    });
  }

  if (cap.creq.length !== 1 || cap.sts.length !== 1 || cap.sig.length !== 1 || cap.sig[0].creq !== cap.creq[0]) {
    throw new Error(`stage hooks saw ${cap.creq.length} canonical requests, ${cap.sts.length} strings to sign, ${cap.sig.length} signatures`);
  }
  const out = {
    canonical_request: cap.creq[0],
    string_to_sign: cap.sts[0],
    signing_key: cap.sig[0].key,
    signature: cap.sig[0].sig,
  };
  if (mode === "header") {
    const auth = signed.headers.authorization;
    if (typeof auth !== "string" || !auth.endsWith(`Signature=${out.signature}`)) {
      throw new Error("signed request carries no Authorization header with the captured signature");
    }
    out.authorization = auth;
  } else {
    if (signed.query["X-Amz-Signature"] !== out.signature) {
      throw new Error("presigned request carries no X-Amz-Signature equal to the captured signature");
    }
    if (hostname !== null) {
      let url = `https://${hostname}${signed.path}?${formatQuery(signed.query)}`;
      if (tokenAfter !== null) url += `&X-Amz-Security-Token=${escapeUri(tokenAfter)}`; // after signing
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
    const stages = await sign(msg);
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
      implementation: { name: "@smithy/signature-v4", version: LIB_VERSION, language: "javascript" },
      modes: ["header", "query"],
      stages: ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization", "presigned_url"],
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
