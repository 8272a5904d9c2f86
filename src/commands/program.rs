//! The core of `/program reload`: validate an uploaded program file and, only if it is valid,
//! replace the program and say what changed. A bad file changes nothing and says why.

use super::{conference, CommandResult};
use crate::program::{import_str, ImportOptions};
use crate::reply::Reply;
use crate::store::Store;
use crate::user_error;

/// Changes listed in the reply, at most; the counts say how many in all.
const SHOWN_CHANGES: usize = 20;

/// Replaces the program with the file `name` holding `text`. The current conference's zone and
/// name stand in for formats that lack them (Sessionize), as the CLI's flags would.
pub fn reload(store: &Store, name: &str, text: &str) -> CommandResult {
    let current = conference(store)?;
    let options = ImportOptions {
        time_zone: Some(current.time_zone),
        conference_name: Some(current.name.clone()),
        ..ImportOptions::default()
    };
    let imported = match import_str(name, text, &options) {
        Ok(imported) => imported,
        Err(error) => {
            user_error!("Nothing changed: the file has an error.\n{error}")
        }
    };
    let diff = store.replace_program(&imported.program)?;
    let tz = imported.program.conference().time_zone;
    let lines: Vec<String> = diff
        .changes
        .iter()
        .take(SHOWN_CHANGES)
        .map(|c| format!("• {}", c.describe(tz)))
        .collect();
    let mut reply = Reply::new("Program reloaded").description(format!(
        "{name} ({}): {} sessions, {} talks.\n{diff}",
        imported.format.name(),
        imported.program.sessions().len(),
        imported.program.talks().count()
    ));
    if !lines.is_empty() {
        let more = diff.changes.len().saturating_sub(SHOWN_CHANGES);
        let tail = if more > 0 {
            format!("\n…and {more} more")
        } else {
            String::new()
        };
        reply = reply.field("Changes", format!("{}{tail}", lines.join("\n")), false);
    }
    if !imported.warnings.is_empty() {
        let warnings: Vec<String> = imported
            .warnings
            .iter()
            .take(10)
            .map(|w| format!("• {w}"))
            .collect();
        reply = reply.field("Warnings", warnings.join("\n"), false);
    }
    if diff.changes.iter().any(|c| c.is_material()) {
        reply = reply.footer(
            "Moves and cancellations within a day are announced in the announcements channel.",
        );
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CommandError;
    use crate::testing::store;

    #[test]
    fn a_broken_file_changes_nothing_and_says_why() {
        let store = store();
        let before = store.load_program().unwrap();
        let broken = crate::DEFAULT_PROGRAM.replace("\"2021-05-04 11:15\"", "\"soon\"");
        let Err(CommandError::User(error)) = reload(&store, "new.json", &broken) else {
            panic!("a user error")
        };
        assert!(
            error.0.starts_with(
                "Nothing changed: the file has an error.\nnew.json at `sessions[0].talks[0].end`"
            ),
            "{}",
            error.0
        );
        assert_eq!(store.load_program().unwrap(), before);
    }

    #[test]
    fn a_valid_file_replaces_the_program_and_lists_the_changes() {
        let store = store();
        let moved = crate::DEFAULT_PROGRAM.replace(
            "Iterated learning for emergent systematicity in VQA",
            "Iterated learning, retitled",
        );
        let reply = reload(&store, "new.json", &moved).unwrap();
        assert!(
            reply
                .description
                .contains("Talks: 0 added, 1 changed, 0 removed."),
            "{}",
            reply.description
        );
        assert!(reply.fields[0]
            .value
            .contains("retitled from “Iterated learning for emergent systematicity in VQA”"));
        assert_eq!(
            reload(&store, "new.json", &moved).unwrap().fields.len(),
            0,
            "the same file again changes nothing"
        );
    }
}
