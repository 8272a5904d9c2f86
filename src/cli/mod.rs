//! The command line: `import`, `check`, `ask` and `render` (serving on Discord comes with
//! `serve`).
//!
//! `ask` runs a core command and prints its reply as text, so anyone can try confbot without
//! Discord. Each subcommand is a thin function: parse, call the library, print.

pub mod config;
mod preview;
mod serve;
mod status;
mod text;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::commands;
use crate::error::CommandError;
use crate::program::{import_file, time::resolve_local, Format, ImportOptions, Imported, Program};
use crate::store::{self, Store};

#[derive(Parser)]
#[command(
    name = "confbot",
    version,
    about = "A Discord bot for conference communities"
)]
struct Cli {
    /// The SQLite database file.
    #[arg(
        long,
        env = "CONFBOT_DB",
        default_value = "confbot.sqlite3",
        global = true
    )]
    db: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import a program file into the database, replacing the current program.
    Import {
        #[command(flatten)]
        file: FileArgs,
        /// Print what would change, without changing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Validate a program file and summarise it, without touching the database.
    Check {
        #[command(flatten)]
        file: FileArgs,
    },
    /// Print the session announcements that would be posted between two times, without Discord.
    Preview {
        /// From this time (default: now): `2021-05-04 10:00` (conference time) or RFC 3339.
        #[arg(long)]
        from: Option<String>,
        /// Until this time (default: a day after --from).
        #[arg(long)]
        to: Option<String>,
    },
    /// Run the bot on Discord (configured by the environment and `.env`; see `.env.example`).
    Serve,
    /// Copy the database (program, settings, Q&A, agendas) to a new file, consistently, even
    /// while the bot runs.
    Backup {
        /// The copy to write; it must not exist yet.
        file: PathBuf,
    },
    /// Write the program, or some of its talks, in another format.
    Export {
        #[command(subcommand)]
        format: Export,
    },
    /// What the bot is set to do, from the database alone (no Discord): the program, each
    /// server's channels and their last errors, the Events mirror, the announcements due next
    /// and the live source.
    Status,
    /// Check the setup before the conference: the token, the servers, what the bot may do in
    /// each channel it is set to use, the program and the live source. Exits with 1 when
    /// something needed is missing.
    Doctor,
    /// Print the URL that adds the bot to a server, with the permissions it needs and why.
    Invite {
        /// The application's id (default: read from DISCORD_TOKEN, without asking Discord).
        #[arg(long, value_name = "ID")]
        application_id: Option<u64>,
    },
    /// Draw a picture of the program (as `/schedule picture:true` does on Discord).
    Render {
        #[command(subcommand)]
        picture: Render,
    },
    /// Ask what an attendee would ask on Discord, and print the answer as text.
    Ask {
        /// Answer as if it were this time: `2021-05-04 10:55` (conference time) or RFC 3339.
        #[arg(long, global = true)]
        at: Option<String>,
        #[command(subcommand)]
        question: Question,
    },
}

#[derive(Args)]
struct FileArgs {
    /// The program file: conference-page text, confbot JSON, pretalx/frab schedule.json or
    /// schedule.xml, C3VOC schedule v2 JSON, iCalendar, Sessionize JSON; or a MiniConf
    /// sitedata/ folder.
    file: PathBuf,
    /// The file's format (`auto` detects it from the content).
    #[arg(long, default_value = "auto", ignore_case = true, value_parser = format_parser())]
    format: Format,
    /// The year, for conference-page text (which has none).
    #[arg(long)]
    year: Option<i32>,
    /// Talk titles for conference-page text (default: `<name>.titles.txt` beside it, if any).
    #[arg(long)]
    titles: Option<PathBuf>,
    /// The conference's IANA time zone (e.g. `America/Chicago`): required for Sessionize,
    /// whose times have no offset; for schedule.json it replaces `time_zone_name`.
    #[arg(long, value_name = "ZONE", value_parser = crate::program::time::parse_zone)]
    timezone: Option<chrono_tz::Tz>,
    /// The conference's name, for files that have none (Sessionize; default: the file's name).
    #[arg(long)]
    name: Option<String>,
}

#[derive(Subcommand)]
enum Export {
    /// An iCalendar file (RFC 5545) for calendar apps: one event per talk.
    Ics {
        /// Only this talk (by id); repeat for several. Default: the whole program.
        #[arg(long = "talk", value_name = "ID")]
        talks: Vec<String>,
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Feedback on talks as CSV (talk id, title, ratings, average, then each comment), for the
    /// organisers' emails to speakers. Names no one.
    Feedback {
        /// Write to this file instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Render {
    /// A day's timetable as PNG (rooms as columns; a day of many rooms takes several files:
    /// FILE, then FILE-2.png…), and its text on standard output.
    Schedule {
        /// The conference day (default: today, or the next conference day).
        day: Option<NaiveDate>,
        /// The picture to write.
        #[arg(short, long, value_name = "FILE", default_value = "schedule.png")]
        output: PathBuf,
        /// Draw it as if it were this time (marked if within the day): `2021-05-04 10:55`
        /// (conference time) or RFC 3339.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
enum Question {
    /// The next talks.
    Next {
        /// How many talks (1 to 25).
        #[arg(long, default_value_t = commands::DEFAULT_COUNT)]
        count: usize,
        /// Only this track or room.
        #[arg(long)]
        track: Option<String>,
    },
    /// What is on now.
    Now,
    /// Talks matching some words.
    Search { query: Vec<String> },
    /// One talk, by id.
    Talk { id: String },
    /// A speaker's talks.
    Speaker { name: Vec<String> },
    /// A day's schedule (default: today, or the next conference day).
    Schedule { day: Option<NaiveDate> },
}

/// Runs the command line.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Import { file, dry_run } => import(&cli.db, &file, dry_run),
        Command::Check { file } => check(&file),
        Command::Serve => serve::serve(&cli.db),
        Command::Backup { file } => backup(&cli.db, &file),
        Command::Preview { from, to } => preview::preview(&cli.db, from.as_deref(), to.as_deref()),
        Command::Ask { at, question } => ask(&cli.db, at.as_deref(), question),
        Command::Render {
            picture: Render::Schedule { day, output, at },
        } => render_schedule(&cli.db, day, &output, at.as_deref()),
        Command::Invite { application_id } => invite(application_id),
        Command::Status => status(&cli.db),
        Command::Doctor => doctor(&cli.db),
        Command::Export {
            format: Export::Ics { talks, output },
        } => export_ics(&cli.db, &talks, output.as_deref()),
        Command::Export {
            format: Export::Feedback { output },
        } => export_feedback(&cli.db, output.as_deref()),
    }
}

/// `confbot status`: the settings the bot runs with come from the environment, as for
/// `serve`, but no token is needed to read them.
fn status(db: &Path) -> anyhow::Result<()> {
    if !db.exists() {
        bail!("there is no database at {}", db.display());
    }
    let store = Store::open(db)?;
    let config = config::Config::from_vars(|name| {
        std::env::var(name)
            .ok()
            .or_else(|| (name == "DISCORD_TOKEN").then(|| "unused".to_string()))
    })?;
    let now = Utc::now();
    let replies = status::report(&store, &config.announce.rules, config.source.as_ref(), now)?;
    let texts: Vec<String> = replies.iter().map(|r| text::render(r, now)).collect();
    print!("{}", texts.join("\n"));
    Ok(())
}

/// `confbot doctor`: configured as `serve` is (the token is needed); the check's table on
/// standard output, and exit status 1 when something is missing.
fn doctor(db: &Path) -> anyhow::Result<()> {
    if !db.exists() {
        bail!(
            "there is no database at {}: start the bot once, or `confbot import FILE`",
            db.display()
        );
    }
    let store = Store::open(db)?;
    let config = config::Config::from_environment()?;
    let source = config
        .source
        .map(|source| crate::source::Source::new(source, crate::source::Limits::default()))
        .transpose()?;
    // A rehearsal's program is in the past: what matters is what comes after its start.
    let now = config.rehearse_from.unwrap_or_else(Utc::now);
    let http =
        crate::discord::rest_builder(&config.discord_token, config.api_url.as_deref()).build();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let checkup = runtime.block_on(crate::discord::doctor::check(
        &http,
        &store,
        config.announce.channel,
        source.as_ref(),
        now,
    ))?;
    print!("{}", checkup.render());
    if !checkup.healthy() {
        std::process::exit(1);
    }
    Ok(())
}

/// `confbot invite`: the application from `--application-id` or the token, offline.
fn invite(application: Option<u64>) -> anyhow::Result<()> {
    let application = match application {
        Some(id) => id,
        None => crate::discord::invite::application_from_token(
            &std::env::var("DISCORD_TOKEN").unwrap_or_default(),
        )?,
    };
    print!("{}", crate::discord::invite::report(application));
    Ok(())
}

/// `confbot export ics`: the talks as an iCalendar file, to a file or standard output.
fn export_ics(db: &Path, talks: &[String], output: Option<&Path>) -> anyhow::Result<()> {
    let store = Store::open(db)?;
    let ics = answered(commands::export::program_ics(&store, Utc::now(), talks))?;
    write_out(&ics, output)
}

/// `confbot export feedback`: the ratings and comments as CSV.
fn export_feedback(db: &Path, output: Option<&Path>) -> anyhow::Result<()> {
    if !db.exists() {
        bail!("there is no database at {}", db.display());
    }
    write_out(&commands::feedback::export_csv(&Store::open(db)?)?, output)
}

/// An export to `output`, or to standard output.
fn write_out(text: &str, output: Option<&Path>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Reads the program for `import`; warnings go to stderr (`check` lists them in its report).
fn read_program(file: &FileArgs) -> anyhow::Result<(Program, Format)> {
    let imported = read_imported(file)?;
    for warning in &imported.warnings {
        eprintln!("warning: {}: {warning}", file.file.display());
    }
    Ok((imported.program, imported.format))
}

fn read_imported(file: &FileArgs) -> anyhow::Result<Imported> {
    let options = ImportOptions {
        format: file.format,
        year: file.year,
        titles: file.titles.clone(),
        time_zone: file.timezone,
        conference_name: file.name.clone(),
    };
    Ok(import_file(&file.file, &options)?)
}

/// Replaces the program (safe while the bot runs: SQLite's WAL lets it read on, and it
/// follows the new program at its next tick), or with `dry_run` only shows the diff.
fn import(db: &Path, file: &FileArgs, dry_run: bool) -> anyhow::Result<()> {
    let (program, format) = read_program(file)?;
    let store = Store::open(db)?;
    let diff = if dry_run {
        store.diff_program(&program)?
    } else {
        store
            .replace_program(&program)
            .map_err(|error| store::explain_import_error(error, db))?
    };
    let verb = if dry_run { "Would import" } else { "Imported" };
    println!(
        "{verb} {} ({}) into {}.",
        file.file.display(),
        format.name(),
        db.display()
    );
    println!("{}", summary(&program));
    println!("{diff}");
    let tz = program.conference().time_zone;
    // A first import adds everything: listing it all would say nothing.
    if diff.changes.iter().any(|c| !c.is_added()) {
        for change in &diff.changes {
            println!("  {}", change.describe(tz));
        }
    }
    Ok(())
}

/// Errors fail the check (and are printed by `main`); warnings are listed after the summary.
fn check(file: &FileArgs) -> anyhow::Result<()> {
    let imported = read_imported(file)?;
    let how = match file.format {
        Format::Auto => " (detected)",
        _ => "",
    };
    println!(
        "{} is valid {}{how}.",
        file.file.display(),
        imported.format.name()
    );
    println!("{}", summary(&imported.program));
    if !imported.warnings.is_empty() {
        println!("\n{}:", count(imported.warnings.len(), "warning"));
        for warning in &imported.warnings {
            println!("- {warning}");
        }
    }
    Ok(())
}

fn summary(program: &Program) -> String {
    let conference = program.conference();
    let days: Vec<String> = program
        .days()
        .iter()
        .map(|d| d.format("%a %-d %b %Y").to_string())
        .collect();
    let mut rooms: Vec<&str> = program
        .sessions()
        .iter()
        .filter_map(|s| s.slot.room.as_deref())
        .collect();
    rooms.sort_unstable();
    rooms.dedup();
    let mut summary = format!(
        "{}: {}, {}, {} ({}), times in {}.",
        conference.name,
        count(program.sessions().len(), "session"),
        count(program.talks().count(), "talk"),
        count(days.len(), "day"),
        days.join(", "),
        conference.time_zone
    );
    if !rooms.is_empty() {
        summary.push_str(&format!("\nRooms: {}.", rooms.join(", ")));
    }
    summary
}

fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// `confbot backup FILE`: SQLite's online backup, so the bot need not stop.
fn backup(db: &Path, file: &Path) -> anyhow::Result<()> {
    if !db.exists() {
        bail!("there is no database at {} to back up", db.display());
    }
    Store::open(db)?.backup_to(file)?;
    println!("Backed up {} to {}.", db.display(), file.display());
    Ok(())
}

/// `--format`: the formats' words as clap offers and checks them (the other names people use
/// for a format are accepted, not listed).
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    let values = Format::WORDS.iter().flat_map(|(format, words)| {
        words.iter().enumerate().map(|(i, word)| {
            clap::builder::PossibleValue::new(*word)
                .help(format.name())
                .hide(i > 0)
        })
    });
    clap::builder::TypedValueParser::map(
        clap::builder::PossibleValuesParser::new(values),
        |word: String| Format::from_word(&word).expect("clap offers only the formats' words"),
    )
}

/// Opens the database, importing `program` (by default the bundled one) first if it has none.
pub(crate) fn open_store(db: &Path, program: Option<&Path>) -> anyhow::Result<Store> {
    let store = Store::open(db)?;
    if store.conference()?.is_none() {
        let options = ImportOptions::default();
        let imported = match program {
            Some(path) => import_file(path, &options)?,
            None => crate::bundled_program()?,
        };
        store.replace_program(&imported.program)?;
    }
    Ok(store)
}

fn ask(db: &Path, at: Option<&str>, question: Question) -> anyhow::Result<()> {
    let (store, now) = offline(db, at)?;
    let result = match question {
        Question::Next { count, track } => {
            commands::next(&store, None, now, count, track.as_deref())
        }
        Question::Now => commands::now(&store, None, now),
        Question::Search { query } => commands::search(&store, &query.join(" ")),
        Question::Talk { id } => commands::talk(&store, None, &id, now),
        Question::Speaker { name } => commands::speaker(&store, &name.join(" ")),
        Question::Schedule { day } => commands::schedule(&store, now, day),
    };
    print!("{}", text::render(&answered(result)?, now));
    Ok(())
}

/// `confbot render schedule`: the pictures to `output` (the second and later beside it, as
/// `-2.png`…), the text to standard output, then the files written.
fn render_schedule(
    db: &Path,
    day: Option<NaiveDate>,
    output: &Path,
    at: Option<&str>,
) -> anyhow::Result<()> {
    let (store, now) = offline(db, at)?;
    let (reply, pictures) = answered(commands::schedule_pictures(&store, now, day))?;
    print!("{}", text::render(&reply, now));
    for (i, picture) in pictures.iter().enumerate() {
        let path = match i {
            0 => output.to_path_buf(),
            i => {
                let stem = output.file_stem().unwrap_or_default().to_string_lossy();
                output.with_file_name(format!("{stem}-{}.png", i + 1))
            }
        };
        std::fs::write(&path, &picture.bytes)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("Wrote {}.", path.display());
    }
    Ok(())
}

/// The store `ask` and `render` read (the bundled or `CONFBOT_PROGRAM` program if it has
/// none), and the time they answer at: `--at`, or the clock's.
fn offline(db: &Path, at: Option<&str>) -> anyhow::Result<(Store, DateTime<Utc>)> {
    let (_, program) = config::offline_from_environment()?;
    let store = open_store(db, program.as_deref())?;
    let conference = store.conference()?.context("the database has no program")?;
    let now = match at {
        Some(at) => parse_at(at, conference.time_zone)?,
        None => Utc::now(),
    };
    Ok((store, now))
}

/// A command's answer, or its user error as the CLI's error (printed as written).
fn answered<T>(result: Result<T, CommandError>) -> anyhow::Result<T> {
    match result {
        Ok(answer) => Ok(answer),
        Err(CommandError::User(message)) => bail!("{message}"),
        Err(CommandError::Internal(error)) => Err(error),
    }
}

/// `--at`: RFC 3339, or a local `YYYY-MM-DD HH:MM` in the conference's zone.
pub(crate) fn parse_at(text: &str, tz: chrono_tz::Tz) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .with_context(|| {
            format!("--at: expected `2021-05-04 10:55` or RFC 3339, found `{text}`")
        })?;
    resolve_local(local, tz).map_err(|e| anyhow::anyhow!("--at: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_reads_conference_local_time_and_rfc3339() {
        let tz = chrono_tz::America::Los_Angeles;
        assert_eq!(
            parse_at("2021-05-04 10:55", tz).unwrap().to_rfc3339(),
            "2021-05-04T17:55:00+00:00"
        );
        assert_eq!(
            parse_at("2021-05-04T10:55:00-07:00", tz)
                .unwrap()
                .to_rfc3339(),
            "2021-05-04T17:55:00+00:00"
        );
        assert!(parse_at("soon", tz)
            .unwrap_err()
            .to_string()
            .contains("found `soon`"));
    }

    #[test]
    fn the_bundled_program_is_valid() {
        let program = crate::bundled_program();
        assert_eq!(program.unwrap().program.talks().count(), 12);
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
