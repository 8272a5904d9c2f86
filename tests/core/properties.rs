//! Properties that must hold for any input, checked on generated ones (proptest):
//!
//! - a wall-clock time resolves to the one instant that shows it in its zone, or is an error
//!   exactly when there is no such instant (a DST gap) or two (a fold): never a wrong instant.
//!   The oracle is independent of the code under test: it scans every minute around the time.
//! - a generated program (the `synthetic` crate, which cannot depend on confbot) imports
//!   cleanly with the size and shape asked for.
//! - replacing program `a` by program `b` leaves the store exactly as a fresh import of `b`
//!   does: the program, what search finds, and the announcements that would be posted.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use confbot::jobs::announcements::plan;
use confbot::jobs::delivery::Rules;
use confbot::program::time::{resolve_local, LocalTimeError};
use confbot::program::{import_str, ImportOptions, Program, TalkKind};
use confbot::store::Store;
use proptest::prelude::*;
use synthetic::{program_json, GenOptions};

/// Zones with DST both ways, half-hour offsets, and none at all.
const ZONES: &[Tz] = &[
    Tz::America__Los_Angeles,
    Tz::Europe__Berlin,
    Tz::Australia__Sydney,
    Tz::Pacific__Auckland,
    Tz::Asia__Kolkata,
    Tz::America__Santiago,
    Tz::Australia__Lord_Howe,
];

/// Every instant, to the minute, within 15 hours of `local` read as UTC, that shows `local`
/// on the clocks of `tz` (UTC offsets lie between -12 and +14 hours).
fn instants_showing(local: NaiveDateTime, tz: Tz) -> Vec<DateTime<Utc>> {
    let around = local.and_utc();
    (-15 * 60..=15 * 60)
        .map(|minutes| around + TimeDelta::minutes(minutes))
        .filter(|at| at.with_timezone(&tz).naive_local() == local)
        .collect()
}

fn local_time() -> impl Strategy<Value = NaiveDateTime> {
    // 2019 to 2026, to the minute: many DST changes in every zone above.
    (0i64..8 * 366 * 24 * 60).prop_map(|minutes| {
        NaiveDate::from_ymd_opt(2019, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + TimeDelta::minutes(minutes)
    })
}

/// Wall-clock times near a DST change, where the interesting cases are.
fn near_a_change() -> impl Strategy<Value = (NaiveDateTime, Tz)> {
    (0..ZONES.len(), 2019i32..2027, 0i64..4 * 60).prop_map(|(zone, year, minutes)| {
        let tz = ZONES[zone];
        // The first change of the year in this zone (found by scanning the offsets daily).
        let start = NaiveDate::from_ymd_opt(year, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let offset = |at: DateTime<Utc>| at.with_timezone(&tz).naive_local() - at.naive_utc();
        let change = (0..366 * 24)
            .map(|h| start + TimeDelta::hours(h))
            .find(|at| offset(*at) != offset(start))
            .unwrap_or(start);
        let local = (change - TimeDelta::hours(2))
            .with_timezone(&tz)
            .naive_local();
        (local + TimeDelta::minutes(minutes), tz)
    })
}

fn check_resolution(local: NaiveDateTime, tz: Tz) -> Result<(), TestCaseError> {
    let showing = instants_showing(local, tz);
    match (resolve_local(local, tz), showing.as_slice()) {
        (Ok(at), [only]) => prop_assert_eq!(at, *only),
        (Err(LocalTimeError::Gap(..)), []) => {}
        (Err(LocalTimeError::Fold(..)), [_, _]) => {}
        (result, showing) => {
            prop_assert!(
                false,
                "{local} in {tz}: {result:?}, but {showing:?} show it"
            )
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_local_time_is_its_one_instant_or_an_error_never_a_wrong_instant(
        local in local_time(),
        zone in 0..ZONES.len(),
    ) {
        check_resolution(local, ZONES[zone])?;
    }

    #[test]
    fn near_dst_changes_too((local, tz) in near_a_change()) {
        check_resolution(local, tz)?;
    }

    #[test]
    fn an_instant_read_back_from_its_local_time_is_itself_or_a_fold(
        minutes in 0i64..8 * 366 * 24 * 60,
        zone in 0..ZONES.len(),
    ) {
        let tz = ZONES[zone];
        let at = DateTime::from_timestamp(1_546_300_800 + minutes * 60, 0).unwrap();
        match resolve_local(at.with_timezone(&tz).naive_local(), tz) {
            Ok(back) => prop_assert_eq!(back, at),
            Err(LocalTimeError::Fold(..)) => {}
            Err(gap) => prop_assert!(false, "{at} shows a time in a gap: {gap}"),
        }
    }
}

fn generated(talks: usize, tracks: u32, seed: u64) -> Program {
    let json = program_json(&GenOptions {
        talks,
        days: 2,
        tracks,
        seed,
    })
    .unwrap();
    import_str("generated", &json, &ImportOptions::default())
        .unwrap()
        .program
}

#[test]
fn a_generated_program_imports_with_the_requested_size_and_no_warnings() {
    for talks in [10, 300] {
        let json = program_json(&GenOptions {
            talks,
            days: 2,
            tracks: 3,
            seed: 1,
        })
        .unwrap();
        let imported = import_str("gen", &json, &ImportOptions::default()).unwrap();
        let program = &imported.program;
        assert_eq!(program.talks().count(), talks);
        // Four sessions a day in each track.
        assert_eq!(program.sessions().len(), 2 * 3 * 4);
        assert_eq!(program.days().len(), 2);
        assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
        assert!(program.talks().all(|t| !t.speakers.is_empty()));
    }
}

#[test]
fn a_generated_program_makes_crowded_sessions_poster_sessions_and_learning_common() {
    let program = generated(2000, 3, 3);
    assert!(program.talks().all(|t| t.kind == TalkKind::Poster));
    let learning = program
        .talks()
        .filter(|t| t.abstract_text.contains("learning"))
        .count() as f64
        / 2000.0;
    assert!((0.35..0.45).contains(&learning), "{learning}");
    let words: usize = program
        .talks()
        .map(|t| t.abstract_text.split(' ').count())
        .sum::<usize>()
        / 2000;
    assert!((80..250).contains(&words), "{words} words per abstract");
}

/// What the store shows of its program: the program, what searches find (ids, then the
/// count), and the announcement plan (due instant, session).
#[derive(Debug, PartialEq)]
struct Observed {
    program: Option<Program>,
    searches: Vec<Vec<String>>,
    planned: Vec<(i64, String)>,
}

fn observed(store: &Store) -> Observed {
    let searches = ["learning", "graph", "neural networks", "a"]
        .iter()
        .map(|words| {
            let (count, talks) = store.search(words, 25).unwrap();
            let mut ids: Vec<String> = talks.into_iter().map(|t| t.talk.id.to_string()).collect();
            ids.push(count.to_string());
            ids
        })
        .collect();
    let planned = plan(
        store,
        &Rules::default(),
        None,
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC - TimeDelta::days(1),
    )
    .unwrap()
    .into_iter()
    .map(|p| (p.due_at.timestamp(), p.session.id.to_string()))
    .collect();
    Observed {
        program: store.load_program().unwrap(),
        searches,
        planned,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn replacing_a_program_leaves_what_a_fresh_import_of_the_new_one_leaves(
        (talks_a, tracks_a, seed_a) in (10usize..150, 1u32..4, 0u64..1000),
        (talks_b, tracks_b, seed_b) in (10usize..150, 1u32..4, 0u64..1000),
    ) {
        let (a, b) = (generated(talks_a, tracks_a, seed_a), generated(talks_b, tracks_b, seed_b));
        let replaced = Store::open_in_memory().unwrap();
        replaced.replace_program(&a).unwrap();
        replaced.replace_program(&b).unwrap();
        let fresh = Store::open_in_memory().unwrap();
        fresh.replace_program(&b).unwrap();
        prop_assert_eq!(observed(&replaced), observed(&fresh));
    }
}
