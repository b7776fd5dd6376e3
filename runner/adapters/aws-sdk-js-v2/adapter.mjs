#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for the npm package aws-sdk (the AWS SDK for
// JavaScript v2): its own SigV4 signer AWS.Signers.V4, driven the way the SDK's documentation
// and its users sign a hand-built request (new AWS.HttpRequest, new AWS.Signers.V4(request,
// service), signer.addAuthorization(credentials, date)). Query mode is the SDK's presign input
// for V4: the `presigned-expires` header, which makes V4 write the X-Amz-* query parameters.
//
// The canonical request, string to sign and signature are what the signer's own
// canonicalString() / stringToSign() / signature() returned during addAuthorization() (wrapped on
// the instance); the signing key is what the SDK's v4_credentials.getSigningKey() returned. The
// adapter never trims, merges, sorts, encodes or hashes. See README.md for every mapping.

import { createRequire } from "node:module";
import {
  Skip, BadInput, quietConsole, resolveContext, checkRequest, headerObject, normalizeIsNoop,
  encodingIsNoop, runAdapter,
} from "../node-common/adapter-kit.mjs";

const require = createRequire(import.meta.url);
quietConsole();
const AWS = require("aws-sdk/global");
require("aws-sdk/lib/signers/v4");
const v4Credentials = require("aws-sdk/lib/signers/v4_credentials");
const LIB_VERSION = require("aws-sdk/package.json").version;
const V4 = AWS.Signers.V4;

// V4's fixed list of headers it never signs (x-amz-* are always signed).
const UNSIGNABLE = new Set(V4.prototype.unsignableHeaders);

// Record the signing key the SDK derives (its module function, called by V4.signature()).
const keys = [];
const getSigningKey = v4Credentials.getSigningKey;
v4Credentials.getSigningKey = function (...a) {
  const k = getSigningKey.apply(this, a);
  keys.push(Buffer.from(k).toString("hex"));
  return k;
};

function hostOf(headers) {
  const h = headers.find(([n]) => n.toLowerCase() === "host");
  if (!h) throw new Skip("the request has no Host header: AWS.HttpRequest takes its endpoint from a URL");
  return h[1].trim(); // surrounding whitespace is not part of a header value (RFC 9110 OWS)
}

function sign(msg, alterations) {
  const mode = msg.mode;
  if (mode !== "header" && mode !== "query") throw new BadInput(`unknown mode: ${mode}`);
  const c = resolveContext(msg.context, mode);
  const r = msg.request;
  checkRequest(r);

  // Path: V4 never normalises; non-s3 it escapes each segment (a second encoding), s3 never.
  // signatureVersion 's3v4' (a V4 constructor option) turns the escaping off for other services.
  if (c.normalize && !normalizeIsNoop(r.path)) {
    throw new Skip("normalize: AWS.Signers.V4 never normalises the path and has no switch for it");
  }
  if (c.s3 && c.doubleEncode && !encodingIsNoop(r.path)) {
    throw new Skip("double_uri_encode for s3: AWS.Signers.V4 never escapes s3 paths");
  }
  if (c.token && c.omitToken) {
    throw new Skip("omit_session_token: AWS.Signers.V4 always signs the session token (no switch)");
  }
  for (const h of c.unsigned) {
    if (!UNSIGNABLE.has(h) || h.startsWith("x-amz-")) {
      throw new Skip(`unsigned_headers: AWS.Signers.V4 has no switch to leave ${h} unsigned (only its fixed list)`);
    }
  }

  const host = hostOf(r.headers);
  const headers = headerObject(r.headers, "AWS.HttpRequest");
  const own = (lc) => r.headers.filter(([n]) => n.toLowerCase() === lc);

  // Payload: V4 reads a literal payload hash from an `X-Amz-Content-Sha256` request header (it
  // signs it: x-amz-* headers are always signed); for s3 in query mode without a body it uses
  // UNSIGNED-PAYLOAD; otherwise the body's SHA-256. It never adds the header itself (the SDK's
  // S3 client does that, not the signer).
  if (mode === "query") {
    const fixed = c.s3 && r.body_base64 === "" ? "UNSIGNED-PAYLOAD" : null;
    if (c.payloadHash !== null && c.payloadHash !== fixed) {
      throw new Skip("a literal payload hash in query mode: AWS.Signers.V4's only input for one is a request header, which a presigned request would carry and sign");
    }
    if (c.payloadHash === null && fixed !== null) {
      throw new Skip("s3 in query mode without a body: AWS.Signers.V4 always uses UNSIGNED-PAYLOAD there");
    }
  } else if (c.payloadHash !== null) {
    if (!c.signBody) {
      throw new Skip("a literal payload hash left unsigned: AWS.Signers.V4 takes it only from the X-Amz-Content-Sha256 header, which it always signs");
    }
    const mine = own("x-amz-content-sha256");
    if (mine.length > 0) {
      if (!mine.every(([, v]) => v === c.payloadHash)) throw new Skip("the request carries another x-amz-content-sha256");
    } else {
      headers["X-Amz-Content-Sha256"] = c.payloadHash;
    }
  } else if (c.signBody && own("x-amz-content-sha256").length === 0) {
    throw new Skip("sign_body: AWS.Signers.V4 never adds x-amz-content-sha256 (the SDK's S3 client does, not the signer)");
  }

  const request = new AWS.HttpRequest(`https://${host}`, c.region);
  request.method = r.method;
  request.path = r.path + (r.query !== null ? `?${r.query}` : "");
  request.headers = headers; // replaces the constructor's default User-Agent: the case's headers only
  const body = Buffer.from(r.body_base64, "base64");
  request.body = body.length ? body : "";
  if (mode === "query") {
    if (Object.keys(headers).some((n) => n.toLowerCase() === "presigned-expires")) {
      throw new Skip("the request carries presigned-expires, V4's expiry input");
    }
    headers["presigned-expires"] = c.expires;
  }

  const signer = new V4(request, c.service, {
    signatureCache: false,
    ...(!c.s3 && !c.doubleEncode ? { signatureVersion: "s3v4" } : {}),
  });
  const cap = { creq: [], sts: [], sig: [] };
  const P = V4.prototype;
  signer.canonicalString = function (...a) { const v = P.canonicalString.apply(this, a); cap.creq.push(v); return v; };
  signer.stringToSign = function (...a) { const v = P.stringToSign.apply(this, a); cap.sts.push(v); return v; };
  signer.signature = function (...a) { const v = P.signature.apply(this, a); cap.sig.push(v); return v; };

  keys.length = 0;
  const credentials = new AWS.Credentials(c.accessKeyId, c.secretAccessKey, c.token ?? undefined);
  signer.addAuthorization(credentials, c.date);

  if (cap.creq.length !== 1 || cap.sts.length !== 1 || cap.sig.length !== 1 || keys.length !== 1) {
    throw new Error(`stage hooks saw ${cap.creq.length}/${cap.sts.length}/${cap.sig.length}/${keys.length} values`);
  }
  const out = {
    canonical_request: cap.creq[0], string_to_sign: cap.sts[0], signing_key: keys[0], signature: cap.sig[0],
  };
  const auth = request.headers.Authorization;
  if (typeof auth !== "string" || !auth.endsWith(`Signature=${out.signature}`)) {
    throw new Error("the signed request carries no Authorization header with the captured signature");
  }
  if (mode === "header") {
    out.authorization = auth;
  } else {
    // V4 wrote the X-Amz-* parameters into request.path; the SDK's presigner then moves the
    // signature from the Authorization header into X-Amz-Signature, as here.
    out.presigned_url = `https://${host}${request.path}&X-Amz-Signature=${out.signature}`;
  }
  return out;
}

runAdapter({
  implementation: { name: "aws-sdk-js-v2", version: LIB_VERSION, language: "javascript" },
  modes: ["header", "query"],
  stages: ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization", "presigned_url"],
  sign,
});
