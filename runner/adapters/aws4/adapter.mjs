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
import querystring from "node:querystring";
import crypto from "node:crypto";
import {
  Skip, BadInput, quietConsole, resolveContext, checkRequest, headerObject, hasHeader,
  normalizeIsNoop, encodingIsNoop, encodeRfc3986, runAdapter,
} from "../node-common/adapter-kit.mjs";

const require = createRequire(import.meta.url);
const aws4 = require("aws4");
const LIB_VERSION = require("aws4/package.json").version;
const { RequestSigner } = aws4;

quietConsole(); // nothing but protocol lines may reach stdout

for (const m of ["canonicalString", "stringToSign", "signature", "sign"]) {
  if (typeof RequestSigner.prototype[m] !== "function") {
    console.error(`aws4 ${LIB_VERSION} has no RequestSigner.prototype.${m}()`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers (../node-common/adapter-kit.mjs): context and request validation, duplicate
// headers joined with "," (aws4 takes headers as an object, one value per name), and the RFC 3986
// no-op checks normalizeIsNoop / encodingIsNoop.

// aws4's parsePath() treats request.path as a URL: if it holds a character outside this set it
// re-encodes the whole target for the wire (encodeURI(decodeURI(path))) before signing.
const AWS4_URL_CHARS = /[^0-9A-Za-z;,/?:@&=+$\-_.!~*'()#%]/;

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
      if (tokenAfter !== null) url += `&X-Amz-Security-Token=${encodeRfc3986(tokenAfter)}`;
      out.presigned_url = url;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Protocol loop (shared).

runAdapter({
  implementation: { name: "aws4", version: LIB_VERSION, language: "javascript" },
  modes: ["header", "query"],
  stages: ["canonical_request", "string_to_sign", "signature", "authorization", "presigned_url"],
  sign,
});
