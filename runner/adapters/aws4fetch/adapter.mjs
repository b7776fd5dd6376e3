#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for the npm package aws4fetch (mhart/aws4fetch): its
// AwsV4Signer, the signer behind AwsClient.sign()/fetch(), driven as its README documents:
// new AwsV4Signer({method, url, headers, body, accessKeyId, secretAccessKey, sessionToken,
// service, region, cache, datetime, signQuery, appendSessionToken, singleEncode}).sign().
//
// The canonical request, string to sign and signature are what the signer's own
// canonicalString() / stringToSign() / signature() returned during sign() (wrapped on the
// instance); the signing key is the one the signer stored in the `cache` Map it was given. The
// adapter never trims, merges, sorts, encodes or hashes. See README.md for every mapping.

import {
  Skip, BadInput, quietConsole, resolveContext, checkRequest, normalizeIsNoop, encodingIsNoop, runAdapter,
} from "../node-common/adapter-kit.mjs";

quietConsole();
const { AwsV4Signer } = await import("aws4fetch");
import { readFileSync } from "node:fs";
const LIB_VERSION = JSON.parse(readFileSync(new URL("./node_modules/aws4fetch/package.json", import.meta.url))).version;

// aws4fetch's fixed set of headers it never signs (no switch beyond allHeaders).
const UNSIGNABLE = new Set(["authorization", "content-type", "content-length", "user-agent",
  "presigned-expires", "expect", "x-amzn-trace-id", "range", "connection"]);

// A dot segment ("." or "..", also percent-encoded) the WHATWG URL parser always resolves.
const hasDotSegment = (path) => path.split("/").some((s) => /^(\.|%2e){1,2}$/i.test(s));

function hostOf(headers) {
  const h = headers.find(([n]) => n.toLowerCase() === "host");
  if (!h) throw new Skip("the request has no Host header: aws4fetch takes the host from the URL");
  return h[1].trim(); // surrounding whitespace is not part of a header value (RFC 9110 OWS)
}

async function sign(msg, alterations) {
  const mode = msg.mode;
  if (mode !== "header" && mode !== "query") throw new BadInput(`unknown mode: ${mode}`);
  const c = resolveContext(msg.context, mode);
  const r = msg.request;
  checkRequest(r);

  // Path: a URL, so dot segments are always resolved by the URL parser; non-s3 paths then have
  // runs of "/" collapsed by aws4fetch itself; s3 paths are left as the URL gives them.
  if ((c.s3 || !c.normalize) && hasDotSegment(r.path)) {
    throw new Skip("a path with dot segments that must be kept: aws4fetch takes a URL, whose parser always removes them");
  }
  if (!c.s3 && !c.normalize && !normalizeIsNoop(r.path)) {
    throw new Skip("normalize:false on a path that normalisation would change: aws4fetch always collapses '//' in non-s3 paths");
  }
  if (c.s3 && c.doubleEncode && !encodingIsNoop(r.path)) {
    throw new Skip("double_uri_encode for s3: aws4fetch decodes s3 paths and encodes them once");
  }
  for (const h of c.unsigned) {
    if (!UNSIGNABLE.has(h)) throw new Skip(`unsigned_headers: aws4fetch has no switch to leave ${h} unsigned (only its fixed list)`);
  }
  if (c.token && c.omitToken && mode === "header") {
    throw new Skip("omit_session_token in header mode: aws4fetch's appendSessionToken drops the token from a header-signed request altogether");
  }

  const own = (lc) => r.headers.filter(([n]) => n.toLowerCase() === lc);
  const headers = r.headers.map(([n, v]) => [n, v]); // HeadersInit pairs, as given

  // Payload: aws4fetch reads a literal payload hash from an X-Amz-Content-Sha256 request header
  // (which it signs); it adds X-Amz-Content-Sha256: UNSIGNED-PAYLOAD (signed) itself for s3 in
  // header mode, uses UNSIGNED-PAYLOAD for s3 in query mode, else hashes the body.
  if (mode === "query") {
    const fixed = c.s3 ? "UNSIGNED-PAYLOAD" : null;
    if (c.payloadHash !== fixed) {
      throw new Skip(c.s3 ? "s3 in query mode: aws4fetch always uses UNSIGNED-PAYLOAD there"
        : "a literal payload hash in query mode: aws4fetch's only input for one is a header it would sign");
    }
  } else if (c.s3) {
    const want = c.payloadHash ?? null;
    if (want === null) throw new Skip("s3 in header mode: aws4fetch signs UNSIGNED-PAYLOAD unless given a payload hash, and never hashes the body itself (no switch)");
    if (!c.signBody) throw new Skip("s3 with sign_body false: aws4fetch always signs X-Amz-Content-Sha256");
    const mine = own("x-amz-content-sha256");
    if (mine.length > 0 && !mine.every(([, v]) => v === want)) throw new Skip("the request carries another x-amz-content-sha256");
    if (mine.length === 0) headers.push(["X-Amz-Content-Sha256", want]);
  } else if (c.payloadHash !== null) {
    if (!c.signBody) throw new Skip("a literal payload hash left unsigned: aws4fetch takes it only from the X-Amz-Content-Sha256 header, which it signs");
    const mine = own("x-amz-content-sha256");
    if (mine.length > 0 && !mine.every(([, v]) => v === c.payloadHash)) throw new Skip("the request carries another x-amz-content-sha256");
    if (mine.length === 0) headers.push(["X-Amz-Content-Sha256", c.payloadHash]);
  } else if (c.signBody && own("x-amz-content-sha256").length === 0) {
    throw new Skip("sign_body for a service other than s3: aws4fetch has no switch to add x-amz-content-sha256");
  }

  // URL: https:// + Host + target; in query mode the expiry goes in as X-Amz-Expires (aws4fetch
  // has no expiry option; its README's input for one is that query parameter).
  let target = r.path + (r.query !== null ? `?${r.query}` : "");
  if (mode === "query") {
    const has = r.query !== null && new URLSearchParams(r.query).has("X-Amz-Expires");
    if (has) throw new Skip("the request query already holds X-Amz-Expires, aws4fetch's only expiry input");
    target += (r.query === null ? "?" : r.query === "" || r.query.endsWith("&") ? "" : "&") + `X-Amz-Expires=${c.expires}`;
  }
  const url = `https://${hostOf(r.headers)}${target}`;

  const cache = new Map();
  const body = Buffer.from(r.body_base64, "base64");
  const signer = new AwsV4Signer({
    method: r.method,
    url,
    headers,
    ...(body.length ? { body: new Uint8Array(body) } : {}),
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    ...(c.token ? { sessionToken: c.token } : {}),
    ...(c.token && c.omitToken ? { appendSessionToken: true } : {}),
    service: c.service,
    region: c.region,
    cache,
    datetime: c.date.toISOString().replace(/[:-]|\.\d{3}/g, ""), // aws4fetch's documented form
    signQuery: mode === "query",
    ...(!c.s3 && !c.doubleEncode ? { singleEncode: true } : {}),
  });
  const cap = { creq: [], sts: [], sig: [] };
  const P = AwsV4Signer.prototype;
  signer.canonicalString = async function (...a) { const v = await P.canonicalString.apply(this, a); cap.creq.push(v); return v; };
  signer.stringToSign = async function (...a) { const v = await P.stringToSign.apply(this, a); cap.sts.push(v); return v; };
  signer.signature = async function (...a) { const v = await P.signature.apply(this, a); cap.sig.push(v); return v; };
  const signed = await signer.sign();

  if (cap.creq.length !== 1 || cap.sts.length !== 1 || cap.sig.length !== 1 || cache.size !== 1) {
    throw new Error(`stage hooks saw ${cap.creq.length}/${cap.sts.length}/${cap.sig.length}/${cache.size} values`);
  }
  const out = {
    canonical_request: cap.creq[0], string_to_sign: cap.sts[0],
    signing_key: Buffer.from([...cache.values()][0]).toString("hex"), signature: cap.sig[0],
  };
  if (mode === "header") {
    const auth = signed.headers.get("Authorization");
    if (!auth || !auth.endsWith(`Signature=${out.signature}`)) throw new Error("no Authorization header with the captured signature");
    out.authorization = auth;
  } else {
    if (signed.url.searchParams.get("X-Amz-Signature") !== out.signature) throw new Error("no X-Amz-Signature equal to the captured signature");
    out.presigned_url = signed.url.toString();
  }
  return out;
}

runAdapter({
  implementation: { name: "aws4fetch", version: LIB_VERSION, language: "javascript" },
  modes: ["header", "query"],
  stages: ["canonical_request", "string_to_sign", "signing_key", "signature", "authorization", "presigned_url"],
  sign,
});
