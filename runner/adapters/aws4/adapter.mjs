#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for the npm package aws4 (mhart/aws4).
//
// Reads JSON lines on stdin, answers JSON lines on stdout (see docs/adapter-protocol.md).
// The signer is driven through aws4's RequestSigner: the clock is frozen by setting
// signer.datetime before sign(); the canonical request, string to sign and signature are the
// values of the signer's own canonicalString() / stringToSign() / signature() as sign() called
// them (captured by wrapping those methods on the instance, not recomputed afterwards: after a
// query-mode sign() the query already holds X-Amz-Signature). The adapter is a translator: it
// hands aws4 the request as given and never trims, merges, sorts, encodes or hashes. A context
// value goes to aws4's own input for it, verbatim; the one step aws4 cannot take
// (omit_session_token in query mode: the token added after signing) is named in the result's
// "alterations". See README.md for the mapping of every context key and request feature, and for
// what is answered with "skip".

import { createRequire } from "node:module";
import querystring from "node:querystring";
import {
  Skip, BadInput, quietConsole, resolveContext, checkRequest, headerObject,
  normalizeIsNoop, encodingIsNoop, runAdapter,
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
// Shared helpers (../node-common/adapter-kit.mjs): context and request validation, the headers
// object (names and values as given; a name repeated verbatim is a skip), and the RFC 3986
// no-op checks normalizeIsNoop / encodingIsNoop.

// ---------------------------------------------------------------------------------------------
// One signing request.

function sign(msg, alterations) {
  const mode = msg.mode;
  if (mode !== "header" && mode !== "query") throw new BadInput(`unknown mode: ${mode}`);
  const c = resolveContext(msg.context, mode);
  const r = msg.request;
  checkRequest(r);

  // Path. Non-S3: aws4 always normalises; it double-encodes, or with doNotEncodePath decodes
  // each segment and encodes it once. S3: never normalised, each segment decoded and encoded once.
  // A switch aws4 lacks is still exact when it would not change this path; the path itself is
  // handed over unchanged either way.
  if (c.s3) {
    if (c.doubleEncode && !encodingIsNoop(r.path)) {
      throw new Skip("double_uri_encode for s3: aws4 always single-encodes s3 paths");
    }
  } else if (!c.normalize && !normalizeIsNoop(r.path)) {
    throw new Skip("normalize:false on a path that normalisation would change: aws4 always normalises non-S3 paths");
  }

  // Headers: names and values as given (a name repeated verbatim cannot be held: skip).
  const headers = headerObject(r.headers, "aws4");
  const ignore = Object.create(null); // extraHeadersToIgnore: lower-case names
  for (const h of c.unsigned) ignore[h] = true;
  const own = (lc) => r.headers.filter(([n]) => n.toLowerCase() === lc);

  // Session token: credentials.sessionToken (aws4 adds a signed X-Amz-Security-Token header /
  // query parameter). omit_session_token, header mode: extraHeadersToIgnore keeps the header aws4
  // adds out of the canonical request (a library switch). Query mode: aws4 has no such switch, so
  // the token is withheld from sign() and added to the query after signing (tokenAfter), which is
  // reported as an alteration.
  let tokenAfter = null;
  if (c.token && c.omitToken) {
    if (mode === "query") {
      tokenAfter = c.token;
      alterations.push("omit_session_token: the session token was withheld from sign() (aws4 has no switch to " +
        "leave it unsigned in a query) and X-Amz-Security-Token was added to the presigned URL after signing");
    } else {
      ignore["x-amz-security-token"] = true;
    }
  }

  // Payload. aws4's payload hash is: UNSIGNED-PAYLOAD for s3 in query mode (fixed); otherwise an
  // X-Amz-Content-Sha256 / x-amz-content-sha256 request header when present, else the body's
  // SHA-256. It adds (and signs) X-Amz-Content-Sha256 itself only for s3 in header mode.
  if (c.s3 && mode === "query") {
    // c.payloadHash is never null here (the s3 query default is UNSIGNED-PAYLOAD)
    if (c.payloadHash !== "UNSIGNED-PAYLOAD") {
      throw new Skip(`payload hash ${c.payloadHash} for s3 in query mode: aws4 always uses UNSIGNED-PAYLOAD there`);
    }
  } else if (c.payloadHash !== null) {
    // A literal payload hash: aws4 has no option for one; its input for it (the way its README
    // shows for UNSIGNED-PAYLOAD) is an X-Amz-Content-Sha256 request header, read by
    // canonicalString() before hashing the body. The context's literal goes there verbatim (a
    // translation: nothing is computed), kept out of signing with extraHeadersToIgnore unless signed.
    const mine = own("x-amz-content-sha256");
    if (mine.length > 0 && !mine.every(([, v]) => v === c.payloadHash)) {
      throw new Skip("a literal payload hash, but the request carries its own x-amz-content-sha256 header with " +
        "another value: aws4 takes the payload hash only from that header");
    }
    if (mine.length === 0) {
      headers["X-Amz-Content-Sha256"] = c.payloadHash;
      const signed = mode === "header" && c.signBody;
      if (!signed) ignore["x-amz-content-sha256"] = true;
    }
  } else if (mode === "header" && c.s3) {
    // aws4 adds X-Amz-Content-Sha256: <body hash>, signed; sign_body:false: extraHeadersToIgnore.
    if (!c.signBody) ignore["x-amz-content-sha256"] = true;
  } else if (mode === "header" && c.signBody && own("x-amz-content-sha256").length === 0) {
    throw new Skip("sign_body for a service other than s3: aws4 adds the signed x-amz-content-sha256 header only " +
      "for s3 and has no switch for it");
  }

  // Expiry: aws4 has no option for it; its input is X-Amz-Expires in the query of `path` (its
  // README: `path: '/?X-Amz-Expires=12345', signQuery: true`; it sets one itself only for s3, to
  // 86400, when the query has none). The context's value goes there verbatim (a translation).
  let target = r.path + (r.query !== null ? `?${r.query}` : "");
  if (mode === "query") {
    const has = r.query !== null ? querystring.parse(r.query)["X-Amz-Expires"] : undefined;
    if (has !== undefined) {
      if (has !== String(c.expires)) {
        throw new Skip("the request query already holds another X-Amz-Expires, aws4's only expiry input");
      }
    } else {
      target += (r.query === null ? "?" : r.query === "" || r.query.endsWith("&") ? "" : "&") +
        `X-Amz-Expires=${c.expires}`;
    }
  }

  const body = Buffer.from(r.body_base64, "base64");
  const opts = {
    method: r.method,
    path: target,
    headers,
    service: c.service,
    region: c.region,
    extraHeadersToIgnore: ignore,
  };
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
    let path = signed.path;
    if (tokenAfter !== null) {
      // after signing, written by aws4's own formatPath()
      signer.parsedPath.query["X-Amz-Security-Token"] = tokenAfter;
      path = signer.formatPath();
    }
    const host = signed.headers.Host ?? signed.headers.host ?? signed.hostname ?? signed.host;
    if (typeof host === "string") out.presigned_url = `https://${host.trim()}${path}`;
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
