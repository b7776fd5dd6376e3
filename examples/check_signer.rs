//! Checks a signer written in Rust against the conformance suite through the library, with no
//! adapter process: implement [`Implementation`] for it, run every trial, print what diverged.
//!
//! ```text
//! cargo run --example check_signer                    # the suite in this repository
//! cargo run --example check_signer -- path/to/suite   # another suite (such as the official one)
//! cargo run --example check_signer -- --mistake       # see how a divergence is reported
//! ```
//!
//! `MySigner` stands for your signer. Here it signs with the reference signer, but only in header
//! mode (query-mode trials are skipped), and shows only the signature and the Authorization
//! header, as many libraries do. With `--mistake` it never normalises the path, a classic mistake,
//! so the run shows the divergences and the mistake the diagnosis names. Exits 1 when a trial
//! fails or errors.

use sigv4_conformance::check::{message, Status};
use sigv4_conformance::implementation::{
    Implementation, ImplementationInfo, SignInput, SignOutcome, StageOutputs,
};
use sigv4_conformance::report::summary;
use sigv4_conformance::run::{list_trials, run_all};
use sigv4_conformance::stage::Stage;
use sigv4_conformance::{Mode, Signer};
use std::path::PathBuf;
use std::process::ExitCode;

struct MySigner {
    signer: Signer,
    /// Sign `/a/./b/../c` as it is instead of as `/a/c` (SigV4 normalises but for S3).
    never_normalize: bool,
}

impl Implementation for MySigner {
    fn info(&self) -> ImplementationInfo {
        ImplementationInfo::new("my-signer", "0.1.0", "rust")
    }

    fn modes(&self) -> Vec<Mode> {
        vec![Mode::Header]
    }

    fn stages(&self) -> Vec<Stage> {
        vec![Stage::Signature, Stage::Authorization]
    }

    fn sign(&self, input: &SignInput) -> SignOutcome {
        let mut context = input.context.clone();
        if self.never_normalize {
            context.normalize = Some(false);
        }
        match self.signer.sign(&input.request, &context, input.mode) {
            Ok(signed) => {
                let mut outputs = StageOutputs::new();
                outputs.insert(Stage::Signature, signed.signature.to_string().into_bytes());
                if let Some(authorization) = signed.authorization() {
                    outputs.insert(Stage::Authorization, authorization.to_string().into_bytes());
                }
                SignOutcome::Signed(outputs)
            }
            // A refusal with no stable error name: the suite's expected errors are matched by
            // the reference signer's names, so a signer of your own gives `None` here.
            Err(e) => SignOutcome::Refused {
                name: None,
                message: e.to_string(),
            },
        }
    }
}

fn main() -> ExitCode {
    let mut never_normalize = false;
    let mut suite = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suite");
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--mistake") => never_normalize = true,
            _ => suite = PathBuf::from(arg),
        }
    }
    let trials = match list_trials(&[suite]) {
        Ok(trials) => trials,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let signer = MySigner {
        signer: Signer::new(),
        never_normalize,
    };
    // More than one implementation spreads the trials over threads (adapters use one per process).
    let verdicts = run_all(&trials, &[&signer]);
    for verdict in &verdicts {
        if matches!(verdict.status, Status::Fail | Status::Error) {
            println!("{}", message::render(verdict));
        }
    }
    println!("{}", summary::table(&verdicts).trim_end());
    if verdicts
        .iter()
        .any(|v| matches!(v.status, Status::Fail | Status::Error))
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
