#!/usr/bin/env node
// sigv4-conformance adapter, protocol v1, for @smithy/signature-v4a (SigV4a in the AWS SDK for
// JavaScript v3): header mode only, since the library has no presign().
//
// A translator like ../smithy/adapter.mjs: the request goes to SignatureV4a.sign() as given; the
// context's `region` (the region set) is its signingRegion. The canonical request and string to
// sign are captured by wrapping the instance's createCanonicalRequest / createStringToSign, so
// they are what the library computed during the call; the signature is read from its
// Authorization header. SigV4 cases are not this library's: the hello lists SigV4a only.

import { createRequire } from "node:module";
import {
  Skip, BadInput, quietConsole, resolveContext, checkRequest, headerObject,
  normalizeIsNoop, encodingIsNoop, runAdapter, SIGV4A,
} from "../node-common/adapter-kit.mjs";

const require = createRequire(import.meta.url);
const { SignatureV4a } = require("@smithy/signature-v4a");
const { HttpRequest } = require("@smithy/protocol-http");
const { Hash } = require("@smithy/hash-node");
const LIB_VERSION = require("@smithy/signature-v4a/package.json").version;

quietConsole(); // nothing but protocol lines may reach stdout

const Sha256 = Hash.bind(null, "sha256");

// The raw query as smithy's QueryParameterBag (decoded; a repeated key an array, in order).
function queryObject(raw) {
  const q = Object.create(null);
  if (raw === null || raw === "") return q;
  for (const piece of raw.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    let key, value;
    try {
      key = decodeURIComponent(eq < 0 ? piece : piece.slice(0, eq));
      value = eq < 0 ? "" : decodeURIComponent(piece.slice(eq + 1));
    } catch {
      throw new Skip("query holds percent-encoded bytes that are not UTF-8; smithy's query model is decoded strings");
    }
    if (!(key in q)) q[key] = value;
    else if (Array.isArray(q[key])) q[key].push(value);
    else q[key] = [q[key], value];
  }
  return q;
}

async function sign(msg) {
  if (msg.mode !== "header") throw new BadInput(`unknown mode: ${msg.mode}`);
  const c = resolveContext(msg.context, msg.mode, [SIGV4A]);
  const r = msg.request;
  checkRequest(r);
  // uriEscapePath switches normalisation and double encoding together (see ../smithy/adapter.mjs).
  let uriEscapePath;
  if (c.normalize === c.doubleEncode) uriEscapePath = c.doubleEncode;
  else if (c.doubleEncode ? normalizeIsNoop(r.path) : encodingIsNoop(r.path)) uriEscapePath = true;
  else if (c.doubleEncode ? encodingIsNoop(r.path) : normalizeIsNoop(r.path)) uriEscapePath = false;
  else throw new Skip("normalisation and double encoding differ on a path where both matter: smithy's uriEscapePath switches both together");
  if (c.payloadHash !== null) {
    throw new Skip("a literal payload hash: @smithy/signature-v4a takes none but an x-amz-content-sha256 request header");
  }
  const headers = headerObject(r.headers, "@smithy/signature-v4a's HttpRequest");
  const unsignable = new Set(c.unsigned);
  if (c.token && c.omitToken) unsignable.add("x-amz-security-token");
  const hostPair = r.headers.find(([n]) => n.toLowerCase() === "host");
  const body = Buffer.from(r.body_base64, "base64");
  const request = new HttpRequest({
    method: r.method,
    protocol: "https:",
    hostname: hostPair ? hostPair[1].trim() : undefined,
    path: r.path,
    query: queryObject(r.query),
    headers,
    body: body.length ? new Uint8Array(body) : undefined,
  });
  const signer = new SignatureV4a({
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.token ? { sessionToken: c.token } : {}),
    },
    region: c.region,
    service: c.service,
    sha256: Sha256,
    uriEscapePath,
    applyChecksum: c.signBody,
  });
  const cap = { creq: [], sts: [] };
  const P = Object.getPrototypeOf(SignatureV4a.prototype);
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
  const signed = await signer.sign(request, {
    signingDate: c.date,
    signingRegion: c.region,
    unsignableHeaders: unsignable,
  });
  const auth = signed.headers.authorization;
  if (typeof auth !== "string") throw new Error("signed request carries no Authorization header");
  const out = { signature: auth.split("Signature=").pop(), authorization: auth };
  if (cap.creq.length === 1 && cap.sts.length === 1) {
    out.canonical_request = cap.creq[0];
    out.string_to_sign = cap.sts[0];
  }
  return out;
}

runAdapter({
  implementation: { name: "@smithy/signature-v4a", version: LIB_VERSION, language: "javascript" },
  modes: ["header"],
  stages: ["canonical_request", "string_to_sign", "signature", "authorization"],
  algorithms: [SIGV4A],
  sign,
});
