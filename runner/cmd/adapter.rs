//! `adapter`: the reference signer (or the mistake model) served over adapter protocol v1 on
//! stdin and stdout.

use crate::ConfigError;
use clap::Args;
use std::process::ExitCode;

#[derive(Args)]
pub struct AdapterArgs {
    /// Serve the mistake model making these known mistakes instead of the reference (a
    /// deliberately broken signer): catalogue ids, `timestamp-not-utc=MINUTES`,
    /// `scope-date-format=full|dashed`, each optionally made in a variant, `ID:VARIANT`:
    /// `header-name-not-lowercased:own-headers-lowercase`, `header-value-not-trimmed:folds-kept`,
    /// `payload-hash-missing:header-kept`, `signature-base64:raw-in-url`,
    /// `timestamp-not-utc=MINUTES:date-replaced` (repeatable).
    #[arg(long = "mistake", value_name = "ID")]
    mistakes: Vec<String>,
}

pub fn serve(args: AdapterArgs) -> Result<ExitCode, ConfigError> {
    let mistakes = if args.mistakes.is_empty() {
        None
    } else {
        Some(
            sigv4_conformance::diagnose::model::Mistakes::parse(&args.mistakes)
                .map_err(ConfigError)?,
        )
    };
    let stdin = std::io::stdin().lock();
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match sigv4_conformance::adapter::reference::serve_with(stdin, stdout, mistakes) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(ConfigError(format!("adapter: {e}"))),
    }
}
