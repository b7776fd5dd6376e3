#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Finds an access key id whose SigV4a key derivation needs more than one counter value, for
//! the suite case `v4a/key-derivation-counter` (suite/README.md).
//!
//! SigV4a derives its private key as `k0 + 1` where `k0 = HMAC-SHA256("AWS4A" + secret,
//! 00000001 || "AWS4-ECDSA-P256-SHA256" || 00 || access key id || counter || 00000100)` for the
//! first counter (from 1) with `k0 <= n - 2`, n the P-256 order (aws-c-auth
//! `source/key_derivation.c`). A `k0` above `n - 2` has its first 32 bits all set, a chance of
//! about 2^-32 per access key id, so this tries billions of ids: the HMAC's key blocks are
//! hashed once and each try costs two SHA-256 compressions.
//!
//! `cargo run --release --example v4a_counter_search [SECRET] [THREADS]` prints the first id
//! found (`AKIA` + 16 base-32 characters, counted up from a per-thread start) with its first
//! `k0`. With `V4A_SEARCH_CHECK` set it prints the first id it tries and its `k0`, to check the
//! arithmetic against any HMAC-SHA256.

use sha2::block_api::compress256;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
/// n - 2, n the order of P-256, big-endian.
const N_MINUS_2: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x4F,
];
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn key_state(key: &[u8], pad: u8) -> [u32; 8] {
    let mut block = [pad; 64];
    for (b, k) in block.iter_mut().zip(key) {
        *b ^= k;
    }
    let mut state = IV;
    compress256(&mut state, &[block]);
    state
}

fn digest_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secret = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string());
    let threads: u64 = args.get(2).and_then(|t| t.parse().ok()).unwrap_or(2);
    let key = format!("AWS4A{secret}");
    assert!(
        key.len() <= 64,
        "a secret over 59 bytes needs hashing first"
    );
    let inner = key_state(key.as_bytes(), 0x36);
    let outer = key_state(key.as_bytes(), 0x5c);
    let found = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..threads)
        .map(|thread| {
            let found = Arc::clone(&found);
            std::thread::spawn(move || search(thread, inner, outer, &found))
        })
        .collect();
    for handle in handles {
        handle.join().expect("search thread");
    }
}

fn search(thread: u64, inner: [u32; 8], outer: [u32; 8], found: &AtomicBool) {
    // 00000001 || "AWS4-ECDSA-P256-SHA256" || 00 || AKIA + 16 chars || 01 || 00000100, padded.
    let mut block = [0u8; 64];
    let mut message = Vec::new();
    message.extend_from_slice(&[0, 0, 0, 1]);
    message.extend_from_slice(b"AWS4-ECDSA-P256-SHA256\0AKIA");
    let id_at = message.len();
    message.extend_from_slice(&[b'A'; 16]);
    message.extend_from_slice(&[1, 0, 0, 1, 0]);
    block[..message.len()].copy_from_slice(&message);
    block[message.len()] = 0x80;
    block[56..].copy_from_slice(&(((64 + message.len()) * 8) as u64).to_be_bytes());
    let mut outer_block = [0u8; 64];
    outer_block[32] = 0x80;
    outer_block[56..].copy_from_slice(&(((64 + 32) * 8) as u64).to_be_bytes());

    let mut n: u64 = thread << 60;
    let mut tries: u64 = 0;
    loop {
        let mut v = n;
        for i in (0..16).rev() {
            block[id_at + i] = ALPHABET[(v & 31) as usize];
            v >>= 5;
        }
        let mut state = inner;
        compress256(&mut state, &[block]);
        outer_block[..32].copy_from_slice(&digest_bytes(&state));
        let mut k0 = outer;
        compress256(&mut k0, &[outer_block]);
        let check_only = std::env::var_os("V4A_SEARCH_CHECK").is_some();
        if check_only || (k0[0] == 0xFFFF_FFFF && digest_bytes(&k0) > N_MINUS_2) {
            let id = std::str::from_utf8(&block[id_at - 4..id_at + 16]).expect("ascii");
            println!("{id} k0={}", hex::encode(digest_bytes(&k0)));
            found.store(true, Ordering::Relaxed);
            return;
        }
        n += 1;
        tries += 1;
        if tries.is_multiple_of(1 << 26) {
            if found.load(Ordering::Relaxed) {
                return;
            }
            eprintln!("thread {thread}: {tries} tries");
        }
    }
}
