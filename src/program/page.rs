//! The conference-page importer: the program as text copied from a conference site (the seed).
//!
//! A page is one session. It starts with a `Moderators:` line, then per talk: a time line
//! (`Tue 4 May 11:00 - 11:15 PDT`), a kind line (`Oral`), an authors line (names separated by
//! ` · `) and an abstract of one or more paragraphs, kept as written. Page chrome (`Abstract:`,
//! `Chat is not available.`) is skipped wherever it appears. The page has no year and no titles:
//! the year comes from the options or the sidecar, titles from the sidecar or a label such as
//! "Vani et al.". The optional sidecar (see `docs/program-format.md`) is a small text file of
//! `key: value` lines (`conference`, `session`, `track`, `room`, `url`, `year`) and
//! `HH:MM Title` lines keyed by a talk's local start time.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::span::{timed_span, End};
use super::time::{abbreviation, known_abbreviations, local_clock, zone_has_offset};
use super::{
    Conference, ImportError, Links, Location, Person, Program, Session, SessionSlot, Talk, TalkKind,
};

/// Lines of page chrome that carry nothing for the program.
const CHROME: &[&str] = &[
    "Abstract:",
    "Chat is not available.",
    "Chat is not available",
];

/// What the sidecar file adds to a page: names, titles and the year.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Sidecar {
    pub conference: Option<String>,
    pub session: Option<String>,
    pub track: Option<String>,
    pub room: Option<String>,
    pub url: Option<String>,
    pub year: Option<i32>,
    /// Talk titles by local start time, with the sidecar line each came from.
    pub titles: Vec<(NaiveTime, String, usize)>,
}

impl Sidecar {
    pub fn parse(file: &str, text: &str) -> Result<Sidecar, ImportError> {
        let mut sidecar = Sidecar::default();
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((time, title)) = line.split_once(' ').and_then(|(t, rest)| {
                NaiveTime::parse_from_str(t, "%H:%M")
                    .ok()
                    .map(|t| (t, rest.trim()))
            }) {
                sidecar.titles.push((time, title.to_string(), line_no));
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(ImportError::at_line(
                    file,
                    line_no,
                    format!("expected `key: value` or `HH:MM Title`, found `{line}`"),
                ));
            };
            let value = Some(value.trim().to_string());
            match key.trim().to_lowercase().as_str() {
                "conference" => sidecar.conference = value,
                "session" => sidecar.session = value,
                "track" => sidecar.track = value,
                "room" => sidecar.room = value,
                "url" => sidecar.url = value,
                "year" => {
                    let year = value.as_deref().unwrap_or_default();
                    sidecar.year = Some(year.parse().map_err(|_| {
                        ImportError::at_line(file, line_no, format!("expected a year such as 2021, found `{year}`"))
                    })?);
                }
                other => {
                    return Err(ImportError::at_line(
                        file,
                        line_no,
                        format!(
                            "unknown key `{other}`; expected conference, session, track, room, url or year"
                        ),
                    ))
                }
            }
        }
        Ok(sidecar)
    }
}

/// A talk as read from the page, before titles and ids are settled.
struct PageTalk {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    kind: TalkKind,
    authors: Vec<String>,
    paragraphs: Vec<String>,
}

/// Parses a page. `sidecar` is `(file name, parsed sidecar)` when one was found.
pub fn parse(
    file: &str,
    text: &str,
    year: Option<i32>,
    sidecar: Option<(&str, Sidecar)>,
) -> Result<Program, ImportError> {
    let (sidecar_file, sidecar) = sidecar.unwrap_or(("", Sidecar::default()));
    let Some(year) = year.or(sidecar.year) else {
        return Err(ImportError::new(
            file,
            Location::File,
            "the page has no year: pass --year (e.g. --year 2021) or put `year: 2021` in the sidecar",
        ));
    };
    let mut moderators = Vec::new();
    let mut zone: Option<(Tz, usize)> = None;
    let mut talks: Vec<PageTalk> = Vec::new();
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !CHROME.contains(l))
        .peekable();

    while let Some((line_no, line)) = lines.next() {
        if let Some(names) = line.strip_prefix("Moderators:") {
            if !talks.is_empty() {
                return Err(ImportError::at_line(
                    file,
                    line_no,
                    "the `Moderators:` line must come before the first talk",
                ));
            }
            moderators = split_names(names);
            continue;
        }
        if !looks_like_time_line(line) {
            let message = if talks.is_empty() {
                format!("expected a `Moderators:` line or a time line such as `Tue 4 May 11:00 - 11:15 PDT`, found `{line}`")
            } else {
                format!(
                    "expected a time line such as `Tue 4 May 11:00 - 11:15 PDT`, found `{line}`"
                )
            };
            return Err(ImportError::at_line(file, line_no, message));
        }
        let (start, end, tz) = parse_time_line(file, line_no, line, year)?;
        match zone {
            Some((first, first_line)) if first != tz => {
                return Err(ImportError::at_line(
                    file,
                    line_no,
                    format!(
                        "expected times in {first} like line {first_line}, found a time in {tz}"
                    ),
                ))
            }
            Some(_) => {}
            None => zone = Some((tz, line_no)),
        }
        let (kind_line, kind) = next_field(
            file,
            line_no,
            &mut lines,
            "a kind line such as `Oral` or `Spotlight`",
        )?;
        let (authors_line, authors) = next_field(
            file,
            kind_line,
            &mut lines,
            "an authors line (names separated by ` · `)",
        )?;
        let authors = split_names(authors);
        if authors.is_empty() {
            return Err(ImportError::at_line(
                file,
                authors_line,
                "expected at least one author name, found none",
            ));
        }
        let mut paragraphs = Vec::new();
        while let Some((_, next)) = lines.peek() {
            if looks_like_time_line(next) {
                break;
            }
            paragraphs.push(next.to_string());
            lines.next();
        }
        talks.push(PageTalk {
            start,
            end,
            kind: TalkKind::parse(kind),
            authors,
            paragraphs,
        });
    }
    let Some((tz, _)) = zone else {
        return Err(ImportError::new(
            file,
            Location::File,
            "expected at least one talk (a time line such as `Tue 4 May 11:00 - 11:15 PDT`), found none",
        ));
    };
    build(file, tz, moderators, talks, (sidecar_file, sidecar))
}

/// The program of a page's `talks`, titled (and placed) by the sidecar: its file's name and
/// what it says.
fn build(
    file: &str,
    tz: Tz,
    moderators: Vec<String>,
    talks: Vec<PageTalk>,
    (sidecar_file, sidecar): (&str, Sidecar),
) -> Result<Program, ImportError> {
    let local_start = |at: DateTime<Utc>| at.with_timezone(&tz).time();
    let mut titles: HashMap<NaiveTime, String> = HashMap::new();
    for (time, title, line) in sidecar.titles {
        if !talks.iter().any(|t| local_start(t.start) == time) {
            return Err(ImportError::at_line(
                sidecar_file,
                line,
                format!(
                    "expected the start time of a talk on the page, found {}",
                    time.format("%H:%M")
                ),
            ));
        }
        titles.insert(time, title);
    }
    let first = talks
        .iter()
        .map(|t| t.start)
        .min()
        .expect("at least one talk");
    let last = talks
        .iter()
        .map(|t| t.end)
        .max()
        .expect("at least one talk");
    let stamp = |at: DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d-%H%M").to_string();
    let talks: Vec<Talk> = talks
        .into_iter()
        .map(|t| Talk {
            id: format!("{}-{}", stamp(t.start), slug(surname(&t.authors[0]))).into(),
            title: titles
                .remove(&local_start(t.start))
                .unwrap_or_else(|| label(&t.authors)),
            kind: t.kind,
            start: t.start,
            end: t.end,
            speakers: t.authors.into_iter().map(Person::new).collect(),
            abstract_text: t.paragraphs.join("\n\n"),
            url: None,
            links: Links::default(),
        })
        .collect();
    let session = Session {
        slot: SessionSlot {
            id: format!("{}-session", stamp(first)).into(),
            title: sidecar.session.unwrap_or_else(|| {
                format!(
                    "Session of {} at {}",
                    first.with_timezone(&tz).format("%a %-d %b"),
                    local_clock(first, tz)
                )
            }),
            track: sidecar.track,
            room: sidecar.room,
            start: first,
            end: last,
            stream: None,
        },
        moderators: moderators.into_iter().map(Person::new).collect(),
        talks,
    };
    let conference = Conference {
        name: sidecar.conference.unwrap_or_else(|| file_stem(file)),
        time_zone: tz,
        url: sidecar.url,
    };
    Program::new(conference, vec![session])
        .map_err(|e| ImportError::new(file, Location::File, e.to_string()))
}

/// The next non-empty line, which must exist and must not be a time line.
fn next_field<'a>(
    file: &str,
    after: usize,
    lines: &mut std::iter::Peekable<impl Iterator<Item = (usize, &'a str)>>,
    expected: &str,
) -> Result<(usize, &'a str), ImportError> {
    match lines.next() {
        Some((line_no, line)) if !looks_like_time_line(line) => Ok((line_no, line)),
        Some((line_no, line)) => Err(ImportError::at_line(
            file,
            line_no,
            format!("expected {expected}, found `{line}`"),
        )),
        None => Err(ImportError::at_line(
            file,
            after,
            format!("expected {expected} after this line, found the end of the page"),
        )),
    }
}

/// Whether `text` reads as a page: some line is a time line or the `Moderators:` line.
pub(super) fn looks_like_page(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .any(|line| line.starts_with("Moderators:") || looks_like_time_line(line))
}

/// A line that starts like `Tue 4 ...` is meant as a time line; if it then fails to parse,
/// that is an error rather than an abstract paragraph.
fn looks_like_time_line(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let weekday = words.next().and_then(|w| w.parse::<Weekday>().ok());
    let day = words
        .next()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()));
    weekday.is_some() && day
}

/// `Tue 4 May 11:00 - 11:15 PDT` into UTC instants and the zone's IANA name.
fn parse_time_line(
    file: &str,
    line_no: usize,
    line: &str,
    year: i32,
) -> Result<(DateTime<Utc>, DateTime<Utc>, Tz), ImportError> {
    let err = |message: String| ImportError::at_line(file, line_no, message);
    let normalized = line.replace(['–', '—'], "-");
    let words: Vec<&str> = normalized.split_whitespace().collect();
    let [weekday, day, month, start, "-", end, zone] = words[..] else {
        return Err(err(format!(
            "expected a time line such as `Tue 4 May 11:00 - 11:15 PDT`, found `{line}`"
        )));
    };
    let date =
        NaiveDate::parse_from_str(&format!("{day} {month} {year}"), "%d %b %Y").map_err(|_| {
            err(format!(
                "expected a date such as `4 May`, found `{day} {month}` (in {year})"
            ))
        })?;
    let weekday: Weekday = weekday.parse().expect("checked by looks_like_time_line");
    if date.weekday() != weekday {
        return Err(err(format!(
            "the weekday says {weekday} but {} is a {}; check the date or --year",
            date.format("%-d %b %Y"),
            date.weekday()
        )));
    }
    let clock = |text: &str| {
        NaiveTime::parse_from_str(text, "%H:%M")
            .map_err(|_| err(format!("expected a time such as `11:00`, found `{text}`")))
    };
    let (start, end) = (clock(start)?, clock(end)?);
    let Some((offset, tz)) = abbreviation(zone) else {
        return Err(err(format!(
            "unknown time zone `{zone}`; known: {}",
            known_abbreviations()
        )));
    };
    let instant = |time: NaiveTime| {
        date.and_time(time)
            .and_local_timezone(offset)
            .single()
            .expect("fixed offsets are unambiguous")
    };
    // The talk's title comes later (sidecar or label): the time line stands for it.
    let (start_at, end_at) =
        timed_span(line, instant(start), End::At(instant(end))).map_err(|e| err(e.message))?;
    let (start_at, end_at) = (start_at.with_timezone(&Utc), end_at.with_timezone(&Utc));
    if !zone_has_offset(tz, start_at, offset) {
        return Err(err(format!(
            "{zone} is not in effect in {tz} on {}: the local time there is {}",
            date.format("%-d %b %Y"),
            local_clock(start_at, tz)
        )));
    }
    Ok((start_at, end_at, tz))
}

fn split_names(names: &str) -> Vec<String> {
    names
        .split('·')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn surname(name: &str) -> &str {
    name.split_whitespace().last().unwrap_or(name)
}

/// A readable stand-in title: "Vani", "Smart & Zilman" or "Vani et al.".
fn label(authors: &[String]) -> String {
    match authors {
        [one] => surname(one).to_string(),
        [a, b] => format!("{} & {}", surname(a), surname(b)),
        [first, ..] => format!("{} et al.", surname(first)),
        [] => String::from("Untitled"),
    }
}

fn slug(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn file_stem(file: &str) -> String {
    std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "Moderators: Ada Lovelace · Alan Turing\n\nAbstract:\n\nTue 4 May 11:00 - 11:15 PDT\n\nOral\n\nAnkit Vani · Aaron Courville\n\nFirst paragraph.\n\nSecond $\\ell_2$ paragraph.\n\nTue 4 May 11:15 - 11:30 PDT\n\nSpotlight\n\nLuca Weihs\n\nAbstract two.\n";

    fn error(page: &str) -> String {
        parse("page.txt", page, Some(2021), None)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_page_is_one_session_spanning_its_talks() {
        let program = parse("page.txt", PAGE, Some(2021), None).unwrap();
        let session = &program.sessions()[0];
        assert_eq!(
            session.moderators,
            [Person::new("Ada Lovelace"), Person::new("Alan Turing")]
        );
        assert_eq!(session.slot.start.to_rfc3339(), "2021-05-04T18:00:00+00:00");
        assert_eq!(session.slot.end.to_rfc3339(), "2021-05-04T18:30:00+00:00");
        assert_eq!(session.talks[0].id, "2021-05-04-1100-vani");
        assert_eq!(session.talks[0].title, "Vani & Courville");
        assert_eq!(session.talks[1].title, "Weihs");
        assert_eq!(
            session.talks[0].abstract_text,
            "First paragraph.\n\nSecond $\\ell_2$ paragraph."
        );
        assert_eq!(program.conference().name, "page");
    }

    #[test]
    fn the_sidecar_names_titles_by_start_time() {
        let sidecar = Sidecar::parse(
            "page.titles.txt",
            "# titles\nconference: ICLR 2021\nsession: Orals\n11:15 Gameplay\n",
        )
        .unwrap();
        let program = parse(
            "page.txt",
            PAGE,
            Some(2021),
            Some(("page.titles.txt", sidecar)),
        )
        .unwrap();
        assert_eq!(program.conference().name, "ICLR 2021");
        assert_eq!(program.sessions()[0].slot.title, "Orals");
        assert_eq!(program.sessions()[0].talks[1].title, "Gameplay");
    }

    #[test]
    fn a_sidecar_title_for_no_talk_names_its_line() {
        let sidecar = Sidecar::parse("t.txt", "\n09:00 Nobody\n").unwrap();
        let error = parse("page.txt", PAGE, Some(2021), Some(("t.txt", sidecar))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.txt:2: expected the start time of a talk on the page, found 09:00"
        );
    }

    #[test]
    fn an_unknown_zone_names_the_line() {
        let message = error(&PAGE.replace("11:15 PDT\n\nOral", "11:15 XYZ\n\nOral"));
        assert!(
            message.starts_with("page.txt:5: unknown time zone `XYZ`; known: UTC,"),
            "{message}"
        );
    }

    #[test]
    fn a_zone_not_in_effect_is_an_error() {
        let message = error(&PAGE.replace("11:15 PDT\n\nOral", "11:15 PST\n\nOral"));
        assert_eq!(
            message,
            "page.txt:5: PST is not in effect in America/Los_Angeles on 4 May 2021: the local time there is 12:00 PDT"
        );
    }

    #[test]
    fn a_missing_time_line_names_the_line_and_what_was_found() {
        let message = error(&PAGE.replace("Tue 4 May 11:00 - 11:15 PDT\n\n", ""));
        assert_eq!(
            message,
            "page.txt:5: expected a `Moderators:` line or a time line such as `Tue 4 May 11:00 - 11:15 PDT`, found `Oral`"
        );
    }

    #[test]
    fn end_before_start_names_the_line() {
        let message = error(&PAGE.replace("11:15 - 11:30", "11:30 - 11:15"));
        assert_eq!(
            message,
            "page.txt:15: expected `Tue 4 May 11:30 - 11:15 PDT` to end after it starts \
             (2021-05-04T11:30:00-07:00), but it ends at 2021-05-04T11:15:00-07:00"
        );
    }

    #[test]
    fn a_contradicting_weekday_is_an_error() {
        let message = error(&PAGE.replace("Tue 4 May 11:00", "Wed 4 May 11:00"));
        assert_eq!(
            message,
            "page.txt:5: the weekday says Wed but 4 May 2021 is a Tue; check the date or --year"
        );
    }

    #[test]
    fn a_malformed_time_line_is_an_error_not_an_abstract() {
        let message = error(&PAGE.replace("11:15 - 11:30 PDT", "11:15 PDT"));
        assert_eq!(
            message,
            "page.txt:15: expected a time line such as `Tue 4 May 11:00 - 11:15 PDT`, found `Tue 4 May 11:15 PDT`"
        );
    }

    #[test]
    fn a_missing_authors_line_is_an_error() {
        let message = error("Moderators: A\nTue 4 May 11:00 - 11:15 PDT\nOral\n");
        assert_eq!(
            message,
            "page.txt:3: expected an authors line (names separated by ` · `) after this line, found the end of the page"
        );
    }

    #[test]
    fn no_year_is_a_clear_error() {
        let error = parse("page.txt", PAGE, None, None).unwrap_err();
        assert!(error
            .to_string()
            .starts_with("page.txt: the page has no year: pass --year"));
    }
}
