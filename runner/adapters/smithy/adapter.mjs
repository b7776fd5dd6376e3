#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for @smithy/signature-v4 (AWS SDK for JavaScript v3).
//
// Reads JSON lines on stdin, answers JSON lines on stdout (see docs/adapter-protocol.md).
// The signer is driven through its public API (sign() / presign()); the canonical request,
// string to sign, signing key and signature are captured by wrapping the TypeScript-private
// methods createCanonicalRequest / createStringToSign / getSignature on each signer instance,
// so every stage is what the library itself computed during the real call. The adapter is a
// translator: it hands the library the request as given and never trims, merges, sorts, encodes
// or hashes. A context value goes to the library's own input for it, verbatim; the one step the
// library cannot take (omit_session_token in query mode: the token appended after presign()) is
// named in the result's "alterations". See README.md for the mapping of every context key and
// request feature, and for what is answered with "skip".

import { createRequire } from "node:module";
import {
  Skip, BadInput, quietConsole, resolveContext, checkRequest, headerObject,
  normalizeIsNoop, encodingIsNoop, runAdapter,
} from "../node-common/adapter-kit.mjs";

const require = createRequire(import.meta.url);
const { SignatureV4 } = require("@smithy/signature-v4");
const { HttpRequest } = require("@smithy/protocol-http");
const { Hash } = require("@smithy/hash-node");
// The SDK's own URL query writer (the signer's dependency; only used to print presigned_url).
const { buildQueryString } = require("@smithy/core/protocols");
const LIB_VERSION = require("@smithy/signature-v4/package.json").version;

quietConsole(); // nothing but protocol lines may reach stdout

for (const m of ["createCanonicalRequest", "createStringToSign", "getSignature"]) {
  if (typeof SignatureV4.prototype[m] !== "function") {
    console.error(`@smithy/signature-v4 ${LIB_VERSION} has no ${m}(): the stage hooks cannot be installed`);
    process.exit(2);
  }
}

const Sha256 = Hash.bind(null, "sha256"); // node crypto, as the SDK's Node runtime config does

// ---------------------------------------------------------------------------------------------
// Shared helpers (../node-common/adapter-kit.mjs): context and request validation, the headers
// object (names and values as given; a name repeated verbatim is a skip), and the RFC 3986
// no-op checks normalizeIsNoop / encodingIsNoop used for the path equivalences in sign().

// ---------------------------------------------------------------------------------------------
// Query: the protocol's raw query turned into a smithy QueryParameterBag.

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

// ---------------------------------------------------------------------------------------------
// One signing request.

const toHex = (u8) => Buffer.from(u8).toString("hex");

async function sign(msg, alterations) {
  const mode = msg.mode;
  if (mode !== "header" && mode !== "query") throw new BadInput(`unknown mode: ${mode}`);
  const c = resolveContext(msg.context, mode, undefined, { events: true });
  const r = msg.request;
  checkRequest(r);

  // Path: smithy's one switch uriEscapePath = (normalise AND encode the path once more);
  // false = the path verbatim (no normalisation, single encoding). When the context asks for only
  // one of the two, the case is still exact if the other one is a no-op on this path; the path
  // itself is handed over unchanged either way.
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

  // Headers: names and values as given (a name repeated verbatim cannot be held: skip).
  const headers = headerObject(r.headers, "@smithy/signature-v4's HttpRequest");
  const unsignable = new Set(c.unsigned); // unsigned_headers, lower-cased (smithy compares lower case)
  const unhoistable = new Set();

  // Session token: credentials.sessionToken (signed header / signed query parameter).
  // omit_session_token, header mode: sign() adds x-amz-security-token and unsignableHeaders keeps
  // it out of the canonical request (a library switch). Query mode: presign() has no such switch,
  // so the token is withheld from presign() and appended to the URL after signing (tokenAfter),
  // which is reported as an alteration.
  let tokenAfter = null;
  const query = queryObject(r.query);
  if (c.token && c.omitToken) {
    if (mode === "query") {
      tokenAfter = c.token;
      alterations.push("omit_session_token: the session token was withheld from presign() (it has no switch to " +
        "leave the token unsigned) and X-Amz-Security-Token was appended to the presigned URL after signing");
    } else {
      unsignable.add("x-amz-security-token");
    }
  }

  const hostPair = r.headers.find(([n]) => n.toLowerCase() === "host");
  const hostname = hostPair ? hostPair[1].trim() : null; // only for printing presigned_url
  const body = Buffer.from(r.body_base64, "base64");

  // Payload. sign_body, header mode: applyChecksum (sign() then adds a signed
  // x-amz-content-sha256 carrying the payload hash). Query mode: no effect; presign() hashes the
  // body itself. A literal payload hash (payload_hash / signed_body_value): smithy has no option
  // for one; its input for it is an x-amz-content-sha256 request header (getPayloadHash reads it
  // before hashing the body), which is how the SDK's own S3 presigner hands it UNSIGNED-PAYLOAD.
  // The context's literal goes there verbatim (a translation: nothing is computed), kept out of
  // the canonical headers with unsignableHeaders unless signed, and out of the query with
  // unhoistableHeaders.
  if (c.payloadHash !== null) {
    const own = r.headers.filter(([n]) => n.toLowerCase() === "x-amz-content-sha256");
    if (own.length > 0 && !own.every(([, v]) => v === c.payloadHash)) {
      throw new Skip("a literal payload hash, but the request carries its own x-amz-content-sha256 header with " +
        "another value: smithy takes the payload hash only from that header");
    }
    if (own.length === 0) {
      headers["x-amz-content-sha256"] = c.payloadHash;
      const signed = mode === "header" && c.signBody;
      if (!signed) unsignable.add("x-amz-content-sha256");
      unhoistable.add("x-amz-content-sha256");
    }
  }
  const applyChecksum = mode === "header" && c.signBody;

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
    // model keeps the request's headers as headers (only the X-Amz-* auth parameters go into the
    // query), so every header name of the request is listed (the library's switch for that).
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
    if (tokenAfter !== null) signed.query["X-Amz-Security-Token"] = tokenAfter; // after signing
    if (hostname !== null) out.presigned_url = `https://${hostname}${signed.path}?${buildQueryString(signed.query)}`;
  }
  if (c.eventStream !== null) out.event_signatures = await signEvents(signer, c.eventStream, out.signature);
  return out;
}

// An event stream, signed as the SDK's EventSigningStream (@aws-sdk/eventstream-handler-node)
// signs it: each message {headers: {":date": timestamp}, body} with signMessage() at its date,
// priorSignature the previous signature (the request's first); the stream's last message has an
// empty body (@smithy/eventstream-serde-universal ends every stream with one). The library
// encodes the :date header (its HeaderFormatter) and hashes and signs.
async function signEvents(signer, stream, seed) {
  const messages = [...stream.events, { date: stream.end, payload: new Uint8Array(0) }];
  const signatures = [];
  let priorSignature = seed;
  for (const { date, payload } of messages) {
    const { signature } = await signer.signMessage(
      { message: { headers: { ":date": { type: "timestamp", value: date } }, body: payload }, priorSignature },
      { signingDate: date },
    );
    signatures.push(signature);
    priorSignature = signature;
  }
  return signatures;
}

// ---------------------------------------------------------------------------------------------
// Protocol loop (shared).

runAdapter({
  implementation: { name: "@smithy/signature-v4", version: LIB_VERSION, language: "javascript" },
  modes: ["header", "query"],
  stages: ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization", "presigned_url",
    "event_signatures"],
  sign,
});
