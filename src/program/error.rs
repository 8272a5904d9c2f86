//! What an import reports: the error that stops it (which file, where, what was wrong) and the
//! warnings that do not (things probably wrong but not invalid).

use std::fmt;

/// Where in a program file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (e.g. a rule that spans several items).
    File,
    /// A 1-based line of a text file.
    Line(usize),
    /// A JSON path such as `sessions[0].talks[2].start`, with the line when known.
    Json { path: String, line: Option<usize> },
}

/// A program file that could not be imported. `message` says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ImportError {
    pub file: String,
    pub location: Location,
    pub message: String,
}

impl ImportError {
    pub fn new(file: &str, location: Location, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_string(),
            location,
            message: message.into(),
        }
    }

    pub fn at_line(file: &str, line: usize, message: impl Into<String>) -> Self {
        Self::new(file, Location::Line(line), message)
    }

    pub fn at_path(file: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        let location = Location::Json {
            path: path.into(),
            line: None,
        };
        Self::new(file, location, message)
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::File => write!(f, "{}: {}", self.file, self.message),
            Location::Line(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            Location::Json {
                path,
                line: Some(line),
            } => {
                write!(f, "{}:{} at `{}`: {}", self.file, line, path, self.message)
            }
            Location::Json { path, line: None } => {
                write!(f, "{} at `{}`: {}", self.file, path, self.message)
            }
        }
    }
}

/// Something probably wrong that does not stop the import (overlapping talks, a guessed zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub location: Location,
    pub message: String,
}

impl Warning {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Warning {
            location,
            message: message.into(),
        }
    }

    pub fn at_path(path: impl Into<String>, message: impl Into<String>) -> Self {
        let location = Location::Json {
            path: path.into(),
            line: None,
        };
        Self::new(location, message)
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::File => write!(f, "{}", self.message),
            Location::Line(line) => write!(f, "line {line}: {}", self.message),
            Location::Json { path, .. } => write!(f, "at `{path}`: {}", self.message),
        }
    }
}
