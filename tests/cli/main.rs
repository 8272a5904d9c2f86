//! The `confbot` binary, as an organiser runs it: one test binary for the command line.
//! `binary` runs it; `commands` covers `check`, `import`, `ask`, `preview`, `export` and
//! `backup`; `import` each newer format's first import, `--dry-run` and refusal.

mod binary;
mod commands;
mod import;
