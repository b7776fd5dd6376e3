//! `faulty-adapter` (hidden): a protocol v1 adapter that misbehaves on purpose, for the fault
//! tests (src/adapter/faulty.rs).

use crate::ConfigError;
use clap::Args;
use sigv4_conformance::adapter::faulty::{self, Faulty};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct FaultyAdapterArgs {
    /// The fault: crash, hang, not-json, wrong-id, exit-after, ... (src/adapter/faulty.rs).
    fault: String,
    /// The id of the sign request the fault is triggered on (`-`: none).
    #[arg(default_value = "-")]
    trigger: String,
    /// The fault's argument (a number of answers, a marker file, a tamper list).
    arg: Option<String>,
    /// Append the pids of the adapter and of its helpers to FILE.
    #[arg(long, value_name = "FILE")]
    pid_file: Option<PathBuf>,
}

pub fn faulty_adapter(args: FaultyAdapterArgs) -> Result<ExitCode, ConfigError> {
    faulty::run(&Faulty {
        fault: args.fault,
        trigger: args.trigger,
        arg: args.arg,
        pid_file: args.pid_file,
    })
}
