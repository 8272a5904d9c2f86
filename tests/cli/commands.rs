//! The `confbot` binary, as an organiser would run it.

use confbot::store::Store;

use super::binary::{confbot, stdout};

#[test]
fn check_reports_the_seed_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(&confbot(
        &dir.path().join("db"),
        &["check", "data/iclr2021-tue-4-may.txt", "--year", "2021"],
    ));
    assert!(out.contains("is valid conference page text"), "{out}");
    assert!(
        out.contains("1 session, 12 talks, 1 day (Tue 4 May 2021), times in America/Los_Angeles"),
        "{out}"
    );
    assert!(
        !dir.path().join("db").exists(),
        "check never touches the database"
    );
}

/// `CONFBOT_PROGRAM` set but blank is unset for every command, as for `serve`: `ask` and
/// `preview` took it for the path "" and failed on a new database.
#[test]
fn a_blank_confbot_program_means_the_bundled_one_for_ask_and_preview() {
    let dir = tempfile::tempdir().unwrap();
    let runs: [(&[&str], &str); 2] = [
        (
            &["ask", "next", "--at", "2021-05-04 10:55"],
            "Iterated learning",
        ),
        (
            &[
                "preview",
                "--from",
                "2021-05-04 10:00",
                "--to",
                "2021-05-04 12:00",
            ],
            "Orals & Spotlights",
        ),
    ];
    for (args, bundled) in runs {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_confbot"))
            .args(args)
            .env(
                "CONFBOT_DB",
                dir.path().join(format!("{}.sqlite3", args[0])),
            )
            .env("CONFBOT_PROGRAM", " ")
            .output()
            .unwrap();
        let out = stdout(&output);
        assert!(out.contains(bundled), "{args:?}: {out}");
    }
}

#[test]
fn ask_next_on_a_new_database_lists_the_vani_talk_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(&confbot(
        &dir.path().join("db"),
        &["ask", "next", "--at", "2021-05-04 10:55"],
    ));
    let first = out.lines().find(|l| l.starts_with("* ")).unwrap();
    assert_eq!(
        first,
        "* Iterated learning for emergent systematicity in VQA"
    );
    assert!(
        out.contains("Tue 4 May 2021 18:00 UTC (Tue 4 May 11:00 PDT) · in 5 min · Oral"),
        "{out}"
    );
}

#[test]
fn a_broken_file_exits_non_zero_naming_the_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    stdout(&confbot(&db, &["import", "data/iclr2021-tue-4-may.json"]));
    let before = Store::open(&db).unwrap().load_program().unwrap();

    let broken = dir.path().join("broken.txt");
    let page = std::fs::read_to_string("data/iclr2021-tue-4-may.txt").unwrap();
    std::fs::write(
        &broken,
        page.replace("Tue 4 May 12:00 - 12:15 PDT", "Tue 4 May 12:00 - 12:15 XYZ"),
    )
    .unwrap();
    let output = confbot(&db, &["import", broken.to_str().unwrap(), "--year", "2021"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: {}:39: unknown time zone `XYZ`",
            broken.display()
        )),
        "{stderr}"
    );

    assert_eq!(Store::open(&db).unwrap().load_program().unwrap(), before);
}

#[test]
fn importing_the_same_file_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let first = stdout(&confbot(&db, &["import", "data/iclr2021-tue-4-may.json"]));
    assert!(first.contains("Talks: 12 added"), "{first}");
    let second = stdout(&confbot(&db, &["import", "data/iclr2021-tue-4-may.json"]));
    assert!(second.contains("Nothing changed."), "{second}");
}

#[test]
fn ask_reports_a_user_error_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let output = confbot(&dir.path().join("db"), &["ask", "talk", "nope"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr)
        .starts_with("error: There is no talk with id `nope`"));
}

#[test]
fn preview_prints_the_announcement_timeline_without_discord() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout(&confbot(
        &dir.path().join("db"),
        &[
            "preview",
            "--from",
            "2021-05-04 10:00",
            "--to",
            "2021-05-04 12:00",
        ],
    ));
    let headers: Vec<&str> = out.lines().filter(|l| l.starts_with("Tue")).collect();
    assert_eq!(
        headers,
        [
            "Tue 4 May 10:50 PDT (17:50 UTC) → the announcements channel",
            "Tue 4 May 11:00 PDT (18:00 UTC) → the announcements channel"
        ]
    );
    assert!(out.contains("starts in 10 min (11:00 PDT)"), "{out}");
    assert!(out.contains("is starting now (11:00 PDT)"), "{out}");
}

#[test]
fn a_backup_taken_while_the_bot_writes_restores_the_same_program_settings_q_and_a_and_agendas() {
    use confbot::ids::{ChannelId, GuildId, RoleId, UserId};
    use confbot::store::OpenedThread;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    stdout(&confbot(&db, &["ask", "next"]));
    // The running bot: its own connection, writing while the backup runs.
    let live = Store::open(&db).unwrap();
    let guild = GuildId(1);
    live.set_announce_channel(guild, ChannelId(10)).unwrap();
    live.set_ping_role(guild, Some(RoleId(5))).unwrap();
    let at = chrono::DateTime::from_timestamp(1_620_150_000, 0).unwrap();
    let session = "2021-05-04-1100-session".into();
    let thread = |n: u64| OpenedThread {
        guild,
        session_id: &session,
        talk_id: None,
        title: "Orals",
        channel: ChannelId(10),
        thread: ChannelId(n),
    };
    live.qa_thread_opened(&thread(100), at).unwrap();
    let attendee = UserId(7);
    live.set_bookmark(attendee, "2021-05-04-1100-vani", 15, at)
        .unwrap();
    let writer = std::thread::spawn(move || {
        for n in 0..200 {
            live.record_post(guild, ChannelId(1000 + n), at).unwrap();
        }
        live
    });
    let copy = dir.path().join("backup.sqlite3");
    let out = stdout(&confbot(&db, &["backup", copy.to_str().unwrap()]));
    assert!(out.starts_with("Backed up"), "{out}");
    let live = writer.join().unwrap();

    let restored = Store::open(&copy).unwrap();
    assert_eq!(
        restored.load_program().unwrap(),
        live.load_program().unwrap()
    );
    assert_eq!(
        restored.guild_settings(guild).unwrap(),
        live.guild_settings(guild).unwrap()
    );
    assert_eq!(
        restored
            .qa_thread_for(guild, &"2021-05-04-1100-session".into(), None)
            .unwrap()
            .map(|t| t.thread_id),
        Some(ChannelId(100))
    );
    assert_eq!(
        restored
            .bookmark_minutes(attendee, "2021-05-04-1100-vani")
            .unwrap(),
        Some(15),
        "and the agendas"
    );
    // The copy serves like the original.
    let answer = stdout(&confbot(
        &copy,
        &["ask", "next", "--at", "2021-05-04 10:55"],
    ));
    assert!(answer.contains("Iterated learning"), "{answer}");
    // And a second backup to the same file is refused, not overwritten.
    let again = confbot(&db, &["backup", copy.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error_at_start_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.txt");
    std::fs::write(&db, "these are my notes, not a database\n".repeat(100)).unwrap();
    let output = confbot(&db, &["ask", "next"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a confbot database"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&db).unwrap(),
        "these are my notes, not a database\n".repeat(100),
        "and it is left as it was"
    );
}

#[test]
fn a_database_locked_by_another_process_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    stdout(&confbot(&db, &["ask", "next"]));
    let holder = rusqlite::Connection::open(&db).unwrap();
    // Exclusive locking mode holds the file even against readers, as a stuck tool might.
    holder
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE held (x);")
        .unwrap();
    let output = confbot(&db, &["ask", "next"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is locked by another process"), "{stderr}");
    holder.execute_batch("ROLLBACK").unwrap();
}

/// The program `db` holds, read through the library.
fn stored_program(db: &std::path::Path) -> Option<confbot::program::Program> {
    Store::open(db).unwrap().load_program().unwrap()
}

#[test]
fn an_import_that_runs_out_of_disk_exits_non_zero_says_so_and_keeps_the_old_program() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    stdout(&confbot(&db, &["import", "data/iclr2021-tue-4-may.json"]));
    let before = stored_program(&db);
    let big = dir.path().join("big.json");
    let options = synthetic::GenOptions {
        talks: 3000,
        ..Default::default()
    };
    std::fs::write(&big, synthetic::program_json(&options).unwrap()).unwrap();
    // The disk fills up 64 KiB into the import: a file size limit makes every write past it
    // fail as a full disk would (SIGXFSZ ignored, so the write fails instead of killing).
    let limit_kib = std::fs::metadata(&db).unwrap().len() / 1024 + 64;
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f {limit_kib}; trap '' XFSZ; exec \"$0\" import \"$1\""
        ))
        .arg(env!("CARGO_BIN_EXE_confbot"))
        .arg(&big)
        .env("CONFBOT_DB", &db)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("its disk is full"), "{stderr}");
    assert!(
        stderr.contains("Nothing was imported: the previous program is unchanged"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stored_program(&db), before);
    // With room again, the same import goes through.
    stdout(&confbot(&db, &["import", big.to_str().unwrap()]));
    assert_ne!(stored_program(&db), before);
}

/// Makes a file immutable (`chattr +i`) for as long as it lives: even root cannot write it,
/// where file modes do not stop root (CI runs as root).
struct Immutable<'a>(&'a std::path::Path);

impl<'a> Immutable<'a> {
    fn new(file: &'a std::path::Path) -> Immutable<'a> {
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(file)
            .status()
            .expect("chattr runs");
        assert!(
            status.success(),
            "chattr +i needs root and ext2/3/4, XFS or btrfs"
        );
        Immutable(file)
    }
}

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(self.0)
            .status();
    }
}

#[test]
fn a_database_file_that_cannot_be_written_is_a_clear_error_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("confbot.sqlite3");
    stdout(&confbot(&db, &["import", "data/iclr2021-tue-4-may.json"]));
    let _immutable = Immutable::new(&db);
    let output = confbot(&db, &["ask", "next"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("for writing: check that the file and its folder are writable"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn export_ics_writes_the_program_or_the_talks_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    stdout(&confbot(&db, &["import", "data/iclr2021-tue-4-may.json"]));
    let all = stdout(&confbot(&db, &["export", "ics"]));
    assert!(all.starts_with("BEGIN:VCALENDAR\r\n"), "{all}");
    assert_eq!(all.matches("BEGIN:VEVENT").count(), 12);

    let file = dir.path().join("two.ics");
    let talks = ["2021-05-04-1100-vani", "2021-05-04-1115-weihs"];
    stdout(&confbot(
        &db,
        &[
            "export",
            "ics",
            "--talk",
            talks[0],
            "--talk",
            talks[1],
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    let two = std::fs::read_to_string(&file).unwrap();
    let calendar = ical::IcalParser::new(two.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let uids: Vec<String> = calendar
        .events
        .iter()
        .flat_map(|e| e.properties.iter().filter(|p| p.name == "UID"))
        .filter_map(|p| p.value.clone())
        .collect();
    assert_eq!(uids, talks.map(|t| format!("{t}@confbot")));
    // The same UIDs in a later export: calendar apps update rather than duplicate.
    let again = stdout(&confbot(&db, &["export", "ics", "--talk", talks[0]]));
    assert!(again.contains(&format!("UID:{}@confbot", talks[0])));

    let refused = confbot(&db, &["export", "ics", "--talk", "no-such-talk"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no-such-talk"));
}

#[test]
fn status_reports_the_program_each_servers_channels_and_their_last_error_without_discord() {
    use confbot::ids::{ChannelId, GuildId};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let missing = confbot(&db, &["status"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("there is no database at"));

    stdout(&confbot(&db, &["ask", "now"]));
    let store = Store::open(&db).unwrap();
    let (guild, channel) = (GuildId(41), ChannelId(42));
    store.set_announce_channel(guild, channel).unwrap();
    store
        .record_post_error(guild, channel, "Missing Access", true, chrono::Utc::now())
        .unwrap();
    drop(store);

    let output = confbot(&db, &["status"]);
    let out = stdout(&output);
    assert!(out.contains("ICLR 2021"), "{out}");
    assert!(out.contains("Missing Access"), "{out}");
    assert!(out.contains("not posting here"), "{out}");
    assert!(
        out.contains("No live program source is configured"),
        "{out}"
    );
}

#[test]
fn status_counts_the_dm_reminders_due_in_the_next_day_one_per_person_and_instant() {
    use chrono::{TimeDelta, Utc};
    use confbot::ids::UserId;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let file = dir.path().join("soon.json");
    // Two talks starting back to back in three hours, and one in three days.
    let at = |hours: i64| (Utc::now() + TimeDelta::hours(hours)).format("%Y-%m-%d %H:00");
    let talk = |id: &str, from: i64| {
        format!(
            r#"{{"id": "{id}", "title": "Talk {id}", "start": "{}", "end": "{}"}}"#,
            at(from),
            at(from + 1)
        )
    };
    let session = |id: &str, from: i64, talks: &[String]| {
        format!(
            r#"{{"id": "{id}", "title": "Session {id}", "room": "Hall", "start": "{}", "end": "{}", "talks": [{}]}}"#,
            at(from),
            at(from + 2),
            talks.join(",")
        )
    };
    let sessions = [
        session("s1", 3, &[talk("a", 3), talk("b", 4)]),
        session("s2", 72, &[talk("c", 72)]),
    ];
    std::fs::write(
        &file,
        format!(
            r#"{{"conference": {{"name": "Soon Conf", "time_zone": "UTC"}}, "sessions": [{}]}}"#,
            sessions.join(",")
        ),
    )
    .unwrap();
    stdout(&confbot(&db, &["import", file.to_str().unwrap()]));
    let store = Store::open(&db).unwrap();
    let now = Utc::now();
    for user in [1, 2, 3] {
        store.set_bookmark(UserId(user), "a", 10, now).unwrap();
        store.set_bookmark(UserId(user), "c", 10, now).unwrap();
    }
    store.set_bookmark(UserId(1), "b", 10, now).unwrap();
    drop(store);

    let out = stdout(&confbot(&db, &["status"]));
    let dms = out
        .split("Next DM reminders")
        .nth(1)
        .unwrap_or_else(|| panic!("no DM reminders in:\n{out}"));
    assert!(
        dms.contains("4 in the next 24 hours, at 2 instants."),
        "{dms}"
    );
    assert!(dms.contains("3 people"), "{dms}");
    assert!(dms.contains("1 person"), "{dms}");
}

#[test]
fn render_schedule_writes_the_day_as_a_png_and_prints_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let picture = dir.path().join("day.png");
    let render = |at: &str| {
        let out = stdout(&confbot(
            &db,
            &[
                "render",
                "schedule",
                "2021-05-04",
                "-o",
                picture.to_str().unwrap(),
                "--at",
                at,
            ],
        ));
        (out, std::fs::read(&picture).unwrap())
    };
    let (out, bytes) = render("2021-05-04 11:30");
    assert!(out.contains("ICLR 2021 · Tuesday 4 May 2021"), "{out}");
    assert!(out.contains("Iterated learning for emergent systematicity in VQA"));
    assert!(
        out.contains(&format!("Wrote {}.", picture.display())),
        "{out}"
    );
    let mut decoder = zune_png::PngDecoder::new(std::io::Cursor::new(bytes.clone()));
    decoder.decode_raw().expect("a PNG");
    let (width, height) = decoder.dimensions().unwrap();
    // One column (the day's one track), the gutter and margin; 11:00 to 14:00 at 2 px a minute.
    assert_eq!((width, height), (56 + 220 + 12, 52 + 26 + 180 * 2 + 12));
    assert_eq!(
        render("2021-05-04 11:30").1,
        bytes,
        "the same day, the same bytes"
    );
    assert_ne!(
        render("2021-05-04 12:30").1,
        bytes,
        "the current time moved"
    );

    let elsewhere = dir.path().join("none.png");
    let refused = confbot(
        &db,
        &[
            "render",
            "schedule",
            "2021-05-09",
            "-o",
            elsewhere.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no sessions on Sun 9 May 2021"));
    assert!(!elsewhere.exists());
}

#[test]
fn export_feedback_writes_csv_naming_nobody() {
    use confbot::ids::UserId;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let missing = confbot(&db, &["export", "feedback"]);
    assert!(!missing.status.success(), "no database, no export");
    stdout(&confbot(&db, &["import", "data/iclr2021-tue-4-may.json"]));
    let store = Store::open(&db).unwrap();
    let at = chrono::Utc::now();
    let vani = "2021-05-04-1100-vani";
    store
        .rate_talk(
            UserId(7),
            &vani.into(),
            confbot::store::Rating::new(4).unwrap(),
            at,
        )
        .unwrap();
    store
        .add_comment(UserId(7), &vani.into(), "Clear, and \"fun\"", at)
        .unwrap();
    drop(store);
    let file = dir.path().join("feedback.csv");
    stdout(&confbot(
        &db,
        &["export", "feedback", "-o", file.to_str().unwrap()],
    ));
    let mut reader = csv::Reader::from_path(&file).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["talk_id", "title", "ratings", "average", "comment"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], vani);
    assert_eq!((&rows[0][2], &rows[0][3]), ("1", "4.00"));
    assert_eq!(&rows[0][4], "Clear, and \"fun\"");
    assert!(!std::fs::read_to_string(&file).unwrap().contains('7'));
}
