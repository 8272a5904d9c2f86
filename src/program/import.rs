//! Choosing an importer for a file: by `--format`, or by looking at the content (`auto`).

use std::path::{Path, PathBuf};

use super::page::Sidecar;
use super::{json, page, ImportError, Location, Program};

/// The program file formats confbot reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Detect from the content.
    #[default]
    Auto,
    /// Conference-page text, as copied from a conference site.
    Page,
    /// confbot JSON (docs/program-format.md).
    Json,
}

impl Format {
    /// The concrete format of `text`: JSON if it is a JSON object, otherwise page text.
    fn detect(text: &str) -> Format {
        if text.trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Page
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Page => "conference page text",
            Format::Json => "confbot JSON",
        }
    }
}

/// How to read a program file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub format: Format,
    /// The year for page text, which has none.
    pub year: Option<i32>,
    /// A titles sidecar for page text; by default `<stem>.titles.txt` next to the page, if any.
    pub titles: Option<PathBuf>,
}

/// A program and the format it was read as.
#[derive(Debug)]
pub struct Imported {
    pub program: Program,
    pub format: Format,
}

/// Reads and validates a program file.
pub fn import_file(path: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let name = path.display().to_string();
    let text = read(&name, path)?;
    let sidecar_path = options.titles.clone().or_else(|| {
        let default = path.with_file_name(format!(
            "{}.titles.txt",
            path.file_stem()?.to_string_lossy()
        ));
        default.exists().then_some(default)
    });
    let sidecar = match &sidecar_path {
        Some(sidecar) => {
            let sidecar_name = sidecar.display().to_string();
            let text = read(&sidecar_name, sidecar)?;
            Some((sidecar_name.clone(), Sidecar::parse(&sidecar_name, &text)?))
        }
        None => None,
    };
    import(&name, &text, options, sidecar)
}

/// Reads and validates a program held in memory (e.g. the bundled default), named `name` in errors.
pub fn import_str(
    name: &str,
    text: &str,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    import(name, text, options, None)
}

fn import(
    name: &str,
    text: &str,
    options: &ImportOptions,
    sidecar: Option<(String, Sidecar)>,
) -> Result<Imported, ImportError> {
    let format = match options.format {
        Format::Auto => Format::detect(text),
        chosen => chosen,
    };
    let program = match format {
        Format::Json => json::parse(name, text)?,
        Format::Page | Format::Auto => {
            let sidecar = sidecar.as_ref().map(|(file, s)| (file.as_str(), s.clone()));
            page::parse(name, text, options.year, sidecar)?
        }
    };
    Ok(Imported { program, format })
}

fn read(name: &str, path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|e| {
        ImportError::new(
            name,
            Location::File,
            format!("could not read the file: {e}"),
        )
    })
}
